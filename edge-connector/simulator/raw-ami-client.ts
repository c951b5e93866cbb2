// A bare AMI peer over node:net for tests and benchmarks: it writes exactly the bytes it is given and keeps every
// frame the server sends, so the simulator can be driven without the production client in the way.

import { connect, type Socket } from 'node:net';
import {
  type AmiHeader,
  type AmiMessage,
  AmiStreamParser,
  headerValue,
  serializeAmiMessage,
} from '../src/ami/protocol.ts';

export class RawAmiConnection {
  readonly banners: string[] = [];
  readonly messages: AmiMessage[] = [];
  /** Resolves when the server closes the connection (or it is closed here). */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #parser = new AmiStreamParser();
  readonly #waiters = new Set<() => void>();
  #nextActionId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const frame of this.#parser.push(chunk)) {
        if (frame.kind === 'banner') this.banners.push(frame.text);
        else this.messages.push(frame.message);
      }
      for (const wake of [...this.#waiters]) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawAmiConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawAmiConnection(socket));
      });
    });
  }

  /** Events named `name`, in arrival order. */
  events(name: string): AmiMessage[] {
    return this.messages.filter((message) => headerValue(message, 'Event') === name);
  }

  /** Writes text as it is: no checks, no CRLF conversion. */
  writeRaw(text: string): void {
    this.#socket.write(text);
  }

  /** Sends an action (with a fresh ActionID unless one is given) and resolves with its response. */
  async action(headers: readonly AmiHeader[], timeoutMs = 2000): Promise<AmiMessage> {
    const given = headers.find(([name]) => name.toLowerCase() === 'actionid')?.[1];
    const actionId = given ?? `raw-${this.#nextActionId++}`;
    const since = this.messages.length;
    this.#socket.write(
      serializeAmiMessage(given === undefined ? [...headers, ['ActionID', actionId]] : headers),
    );
    return this.waitFor(
      (message) =>
        headerValue(message, 'ActionID') === actionId && headerValue(message, 'Response') !== undefined,
      { timeoutMs, since },
    );
  }

  login(username: string, secret: string): Promise<AmiMessage> {
    return this.action([
      ['Action', 'Login'],
      ['Username', username],
      ['Secret', secret],
    ]);
  }

  /**
   * The first message that matches, among those received from index `since` on (default: all of them) and those
   * still to come; rejects after `timeoutMs`.
   */
  waitFor(
    predicate: (message: AmiMessage) => boolean,
    options: { readonly timeoutMs?: number; readonly since?: number } = {},
  ): Promise<AmiMessage> {
    const timeoutMs = options.timeoutMs ?? 2000;
    let next = options.since ?? 0;
    return new Promise((resolve, reject) => {
      const wake = () => {
        for (; next < this.messages.length; next += 1) {
          const message = this.messages[next];
          if (message && predicate(message)) {
            this.#waiters.delete(wake);
            clearTimeout(timer);
            resolve(message);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`no matching AMI message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(wake);
      wake();
    });
  }

  close(): Promise<void> {
    this.#socket.destroy();
    return this.closed;
  }
}
