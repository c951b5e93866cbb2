// A PBX on a TCP port that speaks AMI as Asterisk 22 does (test/fixtures/asterisk/): login, the actions the
// connector uses, Originate played through the CallNow dialplan contract, and restarts and crashes on demand.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  type AmiFrame,
  type AmiHeader,
  type AmiMessage,
  AmiStreamParser,
  headerValue,
  headerValues,
  serializeAmiMessage,
} from '../src/ami/protocol.ts';
import type { AmiLogger } from '../src/ami/types.ts';
import type { DialplanPriority } from '../src/doctor/dialplan.ts';
import {
  type CallEnvironment,
  EXTENSION_BEHAVIOURS,
  type ExtensionBehaviour,
  type OriginateRequest,
  SimulatedCall,
} from './call-flow.ts';
import { amiEvent, ChannelFactory, parseDialString } from './channels.ts';
import { type ExtensionPresence, ExtensionStates } from './extension-states.ts';
import { listCommands, mayWrite, parseDialplan, showDialPlan } from './manager-info.ts';

export type { ExtensionBehaviour } from './call-flow.ts';
export type { ExtensionPresence } from './extension-states.ts';

export interface AmiSimulatorOptions {
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port; read it back from `port`) */
  readonly port?: number;
  /** @default 'callnow' */
  readonly username?: string;
  /** @default a random secret (read it back from `secret`) */
  readonly secret?: string;
  /** Multiplies every delay: 1 is Asterisk's own timing, tests use 0.01-0.05. @default 1 */
  readonly timeScale?: number;
  /** Down time of shutdown() before logins are accepted again. @default 500 (scaled) */
  readonly restartDelayMs?: number;
  /** After a restart, logins succeed this long before FullyBooted is sent. @default 75 (scaled) */
  readonly bootDelayMs?: number;
  /** The context the CallNow dialplan lives in; an Originate elsewhere gets "Extension does not exist.". @default 'callnow' */
  readonly callnowContext?: string;
  /** The context of the hints in ExtensionStatus events (ExtensionState answers for any context). @default 'ext-local' (FreePBX) */
  readonly hintContext?: string;
  /** More simulated phones, by extension number, on top of 101-105 (e.g. many that answer, for load tests). */
  readonly extensions?: Readonly<Record<string, ExtensionBehaviour>>;
  /** The dialplan global CALLNOW_OUTBOUND_CALLERID: what visitors see when the Originate sets no caller ID. */
  readonly outboundCallerId?: string;
  /** The dialplan file Asterisk loaded, for ShowDialPlan; '' for none. @default the shipped extensions_callnow.conf */
  readonly dialplan?: string;
  /** Dialplan globals, as Getvar without a channel reads them (CALLNOW_CONFIRM_PROMPT, say). @default none */
  readonly globals?: Readonly<Record<string, string>>;
  /** The AMI user's write= classes in manager.conf. @default all of them */
  readonly writePermissions?: readonly string[];
  /** Whether the confirmation prompt's sound files (vm-press, digits/0) are installed. @default true */
  readonly promptSounds?: boolean;
  /** How long Asterisk has been up at the first start, as FullyBooted's Uptime tells. @default 3600 */
  readonly uptimeSeconds?: number;
  /** @default silent */
  readonly logger?: AmiLogger;
}

/** One action as the simulator read it off the wire. */
export interface ReceivedAmiAction {
  /** `performance.now()` when it was parsed. */
  readonly receivedAt: number;
  readonly sessionId: number;
  /** The `Action` header as sent; empty when there was none. */
  readonly name: string;
  readonly actionId?: string;
  readonly headers: readonly AmiHeader[];
}

/** A call the simulator started for an accepted Originate. */
export interface PlacedCall {
  readonly actionId?: string;
  readonly channel: string;
  /** CALLNOW_REQUEST_ID of the Originate, if it had one. */
  readonly requestId?: string;
}

export interface AmiSimulator {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  readonly timeScale: number;
  /** Every action received since start, oldest first. */
  readonly actions: readonly ReceivedAmiAction[];
  /** Every Originate it accepted and started a call for (refused ones are only in `actions`), oldest first. */
  readonly placedCalls: readonly PlacedCall[];
  /** Open TCP connections. */
  readonly connectionCount: number;
  /** Calls in progress. */
  /** Installs or removes the confirmation prompt's sound files: calls from now on play it, or fail to. */
  setPromptSounds(installed: boolean): void;
  readonly activeCallCount: number;
  onAction(listener: (action: ReceivedAmiAction) => void): () => void;
  /** Every chunk of text a client wrote, as it came off the socket (before parsing). */
  onRawData(listener: (sessionId: number, text: string) => void): () => void;
  /** While silent, actions are logged but never answered or carried out (for timeout tests). */
  setSilent(silent: boolean): void;
  /** A slow Asterisk: every action waits this long (real milliseconds, not scaled) before it is carried out. */
  setResponseDelayMs(delayMs: number): void;
  /** The TCP sessions drop (as when Asterisk's writetimeout drops a slow client) but Asterisk and its calls go on. */
  dropConnections(): void;
  /** A phone in use outside CallNow: ExtensionState says 1 (InUse), an Originate to it is busy. */
  setExtensionInUse(extension: string, inUse: boolean): void;
  setExtensionState(extension: string, presence: ExtensionPresence): void;
  /**
   * Like `core restart now`: calls are hung up, logged-in sessions get `Event: Shutdown`, every socket closes
   * 15-20 ms later, connections are refused for `restartDelayMs`, then it boots again. Resolves once listening.
   */
  shutdown(): Promise<void>;
  /** Like SIGKILL: every socket is destroyed without a word and connections are refused until restart(). */
  crash(): Promise<void>;
  /** Listens again after a crash; logins succeed at once, FullyBooted follows after `bootDelayMs`. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const BANNER = 'Asterisk Call Manager/11.0.0';
const LOGIN_FAILURE_DELAY_MS = 1000;
const SHUTDOWN_CLOSE_DELAY_MS = 17;
const DEFAULT_ORIGINATE_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1']);

type ServerState = 'booting' | 'up' | 'shutting-down' | 'down' | 'closed';

interface Session {
  readonly id: number;
  readonly socket: Socket;
  readonly parser: AmiStreamParser;
  readonly sessionTag: string;
  readonly startedAt: Date;
  loggedIn: boolean;
  /** Event classes this session reads (`Events` at login or the Events action); undefined = all. */
  eventClasses: ReadonlySet<string> | undefined;
  queue: Promise<void>;
}

export async function startAmiSimulator(options: AmiSimulatorOptions = {}): Promise<AmiSimulator> {
  const simulator = new Simulator(options);
  await simulator.listen();
  return simulator;
}

class Simulator implements AmiSimulator {
  readonly host: string;
  readonly username: string;
  readonly secret: string;
  readonly timeScale: number;
  readonly actions: ReceivedAmiAction[] = [];
  readonly placedCalls: PlacedCall[] = [];
  readonly #restartDelayMs: number;
  readonly #bootDelayMs: number;
  readonly #callnowContext: string;
  readonly #behaviours: Readonly<Record<string, ExtensionBehaviour>>;
  #promptSounds: boolean;
  readonly #dialplan: readonly DialplanPriority[];
  readonly #globals: Readonly<Record<string, string>>;
  readonly #writeClasses: ReadonlySet<string> | undefined;
  readonly #initialUptimeMs: number;
  readonly #logger: AmiLogger | undefined;
  readonly #sessions = new Set<Session>();
  readonly #calls = new Set<SimulatedCall>();
  readonly #actionListeners = new Set<(action: ReceivedAmiAction) => void>();
  readonly #rawListeners = new Set<(sessionId: number, text: string) => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #channels = new ChannelFactory();
  readonly #extensions: ExtensionStates;
  readonly #callEnvironment: CallEnvironment;
  #port: number;
  #server: Server | undefined;
  #state: ServerState = 'down';
  #silent = false;
  #responseDelayMs = 0;
  #bootedAt = Date.now();
  #nextSessionId = 1;

  constructor(options: AmiSimulatorOptions) {
    this.host = options.host ?? '127.0.0.1';
    if (!LOOPBACK_HOSTS.has(this.host))
      throw new Error(`the AMI simulator binds to loopback only, not ${this.host}`);
    this.#port = options.port ?? 0;
    this.username = options.username ?? 'callnow';
    this.secret = options.secret ?? randomBytes(12).toString('base64url');
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error(`timeScale must be positive, got ${this.timeScale}`);
    this.#restartDelayMs = options.restartDelayMs ?? 500;
    this.#bootDelayMs = options.bootDelayMs ?? 75;
    this.#callnowContext = options.callnowContext ?? 'callnow';
    this.#behaviours = { ...EXTENSION_BEHAVIOURS, ...options.extensions };
    this.#promptSounds = options.promptSounds ?? true;
    this.#dialplan = parseDialplan(
      options.dialplan ??
        readFileSync(new URL('../asterisk/extensions_callnow.conf', import.meta.url), 'utf8'),
    );
    this.#globals = options.globals ?? {};
    this.#writeClasses = options.writePermissions ? new Set(options.writePermissions) : undefined;
    this.#initialUptimeMs = (options.uptimeSeconds ?? 3600) * 1000;
    this.#logger = options.logger;
    this.#extensions = new ExtensionStates({
      emit: (event) => this.#broadcast(event),
      hintContext: options.hintContext ?? 'ext-local',
      extensions: Object.keys(this.#behaviours),
    });
    this.#callEnvironment = {
      channels: this.#channels,
      extensions: this.#extensions,
      behaviourOf: (extension) => this.#behaviours[extension],
      ...(options.outboundCallerId === undefined ? {} : { outboundCallerId: options.outboundCallerId }),
      promptSounds: () => this.#promptSounds,
      scaleMs: (ms) => this.#scale(ms),
      emit: (event) => this.#broadcast(event),
      ended: (call) => this.#calls.delete(call),
    };
  }

  get port(): number {
    return this.#port;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** Installs or removes the confirmation prompt's sound files: calls from now on play it, or fail to. */
  setPromptSounds(installed: boolean): void {
    this.#promptSounds = installed;
  }

  get activeCallCount(): number {
    return this.#calls.size;
  }

  onAction(listener: (action: ReceivedAmiAction) => void): () => void {
    this.#actionListeners.add(listener);
    return () => this.#actionListeners.delete(listener);
  }

  onRawData(listener: (sessionId: number, text: string) => void): () => void {
    this.#rawListeners.add(listener);
    return () => this.#rawListeners.delete(listener);
  }

  setSilent(silent: boolean): void {
    this.#silent = silent;
  }

  setResponseDelayMs(delayMs: number): void {
    this.#responseDelayMs = Math.max(0, delayMs);
  }

  dropConnections(): void {
    this.#logger?.info('AMI simulator: dropping every AMI connection; calls go on');
    for (const session of this.#sessions) session.socket.destroy();
    this.#sessions.clear();
  }

  setExtensionInUse(extension: string, inUse: boolean): void {
    this.#extensions.setManual(extension, inUse ? 'in_use' : 'idle');
  }

  setExtensionState(extension: string, presence: ExtensionPresence): void {
    this.#extensions.setManual(extension, presence);
  }

  /** First start: up at once (Asterisk has long finished booting when the connector starts). */
  async listen(): Promise<void> {
    await this.#openServer();
    this.#state = 'up';
    this.#bootedAt = Date.now() - this.#initialUptimeMs;
  }

  async shutdown(): Promise<void> {
    if (this.#state !== 'up' && this.#state !== 'booting') {
      throw new Error(`cannot shut down while ${this.#state}`);
    }
    this.#state = 'shutting-down';
    this.#logger?.info('AMI simulator: core restart now');
    // As f2 shows: every channel gets its soft hang-up request (Cause 4, shutdown) first, then the calls end.
    for (const call of [...this.#calls]) call.requestShutdownHangup();
    for (const call of [...this.#calls]) call.terminate('shutdown');
    this.#broadcast(
      amiEvent('Shutdown', 'system,all', [
        ['Shutdown', 'Cleanly'],
        ['Restart', 'True'],
      ]),
    );
    await this.#sleep(SHUTDOWN_CLOSE_DELAY_MS);
    const closed = this.#closeServer();
    for (const session of this.#sessions) hangUpSocket(session.socket);
    await closed;
    await this.#sleep(this.#restartDelayMs);
    // close() may have run meanwhile.
    if ((this.#state as ServerState) === 'down') await this.restart();
  }

  async crash(): Promise<void> {
    this.#logger?.info('AMI simulator: crash');
    for (const call of [...this.#calls]) call.terminate('crash');
    this.#calls.clear();
    for (const session of this.#sessions) session.socket.destroy();
    this.#sessions.clear();
    await this.#closeServer();
  }

  async restart(): Promise<void> {
    if (this.#state !== 'down') throw new Error(`cannot restart while ${this.#state}`);
    this.#extensions.forgetCalls();
    await this.#openServer();
    this.#state = 'booting';
    this.#bootedAt = Date.now();
    this.#logger?.info('AMI simulator: booting');
    this.#after(this.#bootDelayMs, () => {
      if (this.#state !== 'booting') return;
      this.#state = 'up';
      for (const session of this.#sessions) {
        if (session.loggedIn) this.#sendEvent(session, this.#fullyBooted());
      }
    });
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const call of [...this.#calls]) call.terminate('crash');
    this.#calls.clear();
    for (const session of this.#sessions) session.socket.destroy();
    this.#sessions.clear();
    await this.#closeServer();
    this.#state = 'closed';
  }

  async #openServer(): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.#port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    this.#server = server;
    this.#logger?.info(`AMI simulator listening on ${this.host}:${this.#port}`);
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (this.#state !== 'closed') this.#state = 'down';
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const session: Session = {
      id: this.#nextSessionId++,
      socket,
      parser: new AmiStreamParser(),
      sessionTag: `0x${randomBytes(6).toString('hex')}`,
      startedAt: new Date(),
      loggedIn: false,
      eventClasses: undefined,
      queue: Promise.resolve(),
    };
    this.#sessions.add(session);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('error', (error) =>
      this.#logger?.warn('AMI simulator: socket error', { error: error.message }),
    );
    socket.on('close', () => this.#sessions.delete(session));
    socket.on('data', (chunk: string) => {
      for (const listener of this.#rawListeners) listener(session.id, chunk);
      let frames: AmiFrame[];
      try {
        frames = session.parser.push(chunk);
      } catch (error) {
        this.#logger?.warn('AMI simulator: unreadable input, closing', { error: String(error) });
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (frame.kind === 'message') this.#receive(session, frame.message);
      }
    });
    socket.write(`${BANNER}\r\n`);
  }

  #receive(session: Session, message: AmiMessage): void {
    const actionId = headerValue(message, 'ActionID');
    const received: ReceivedAmiAction = {
      receivedAt: performance.now(),
      sessionId: session.id,
      name: headerValue(message, 'Action') ?? '',
      headers: message.headers,
      ...(actionId === undefined ? {} : { actionId }),
    };
    this.actions.push(received);
    for (const listener of this.#actionListeners) listener(received);
    if (this.#silent) return;
    const delayMs = this.#responseDelayMs;
    // Asterisk runs one session's actions one after the other (a slow Login holds the next action back).
    session.queue = session.queue
      .then(() => (delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, delayMs)) : undefined))
      .then(() => this.#handle(session, message, received.name))
      .catch((error: unknown) =>
        this.#logger?.error('AMI simulator: action failed', { error: String(error) }),
      );
  }

  async #handle(session: Session, message: AmiMessage, action: string): Promise<void> {
    const name = action.trim().toLowerCase();
    if (name === '') {
      this.#respond(session, message, 'Error', [['Message', 'Missing action in request']]);
      this.#requestBadFormat(session, 'Action: NONE');
      return;
    }
    const denied = !session.loggedIn && name !== 'login' && name !== 'logoff' && name !== 'challenge';
    if (denied || !mayWrite(name, this.#writeClasses)) {
      this.#respond(session, message, 'Error', [['Message', 'Permission denied']]);
      return;
    }
    switch (name) {
      case 'login':
        return this.#login(session, message);
      case 'logoff':
        this.#respond(session, message, 'Goodbye', [['Message', 'Thanks for all the fish.']]);
        hangUpSocket(session.socket);
        return;
      case 'ping':
        this.#respond(session, message, 'Success', [
          ['Ping', 'Pong'],
          ['Timestamp', (Date.now() / 1000).toFixed(6)],
        ]);
        return;
      case 'coresettings':
        this.#respond(session, message, 'Success', CORE_SETTINGS);
        return;
      case 'corestatus':
        this.#respond(session, message, 'Success', this.#coreStatus());
        return;
      case 'events':
        return this.#events(session, message);
      case 'extensionstate':
        return this.#extensionState(session, message);
      case 'getvar':
        return this.#getvar(session, message);
      case 'userevent':
        return this.#userEvent(session, message);
      case 'originate':
        return this.#originate(session, message);
      case 'listcommands':
        this.#respond(session, message, 'Success', listCommands(this.#writeClasses));
        return;
      case 'showdialplan':
        return this.#showDialPlan(session, message);
      default:
        this.#respond(session, message, 'Error', [
          [
            'Message',
            `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`,
          ],
        ]);
        this.#requestBadFormat(session, `Action: ${action}`);
    }
  }

  async #login(session: Session, message: AmiMessage): Promise<void> {
    if (this.#state === 'shutting-down') {
      this.#respond(session, message, 'Error', [['Message', 'Asterisk is shutting down']]);
      return;
    }
    const username = headerValue(message, 'Username') ?? '';
    const secret = headerValue(message, 'Secret') ?? '';
    if (username !== this.username || secret !== this.secret) {
      // Asterisk answers a bad secret after a second and hangs up.
      await this.#sleep(LOGIN_FAILURE_DELAY_MS);
      this.#respond(session, message, 'Error', [['Message', 'Authentication failed']]);
      hangUpSocket(session.socket);
      return;
    }
    session.loggedIn = true;
    const events = headerValue(message, 'Events');
    if (events !== undefined) session.eventClasses = parseEventMask(events);
    this.#respond(session, message, 'Success', [['Message', 'Authentication accepted']]);
    // Right after a restart Asterisk accepts logins before it has booted: SuccessfulAuth comes first.
    if (this.#state === 'up') this.#sendEvent(session, this.#fullyBooted());
    this.#broadcast(
      this.#securityEvent(session, 'SuccessfulAuth', 'Informational', [['UsingPassword', '0']]),
    );
  }

  #events(session: Session, message: AmiMessage): void {
    session.eventClasses = parseEventMask(headerValue(message, 'EventMask') ?? 'on');
    const eventsOn = session.eventClasses === undefined || session.eventClasses.size > 0;
    this.#respond(session, message, 'Success', [['Events', eventsOn ? 'On' : 'Off']]);
  }

  #extensionState(session: Session, message: AmiMessage): void {
    const extension = headerValue(message, 'Exten') ?? '';
    if (extension === '') {
      this.#respond(session, message, 'Error', [['Message', 'Extension not specified']]);
      return;
    }
    const context = headerValue(message, 'Context') || 'default';
    const { hint, status, statusText } = this.#extensions.hintStatus(extension);
    this.#respond(session, message, 'Success', [
      ['Message', 'Extension Status'],
      ['Exten', extension],
      ['Context', context],
      ['Hint', hint],
      ['Status', String(status)],
      ['StatusText', statusText],
    ]);
  }

  /** Getvar on a channel (fixture-free: Asterisk answers `No such channel` for a channel that is gone). */
  #getvar(session: Session, message: AmiMessage): void {
    const variable = headerValue(message, 'Variable') ?? '';
    if (variable === '') {
      this.#respond(session, message, 'Error', [['Message', 'No variable specified']]);
      return;
    }
    const channel = headerValue(message, 'Channel');
    let value: string | undefined = this.#globals[variable] ?? '';
    if (channel !== undefined && channel !== '') {
      value = undefined;
      for (const call of this.#calls) {
        value = call.channelVariable(channel, variable);
        if (value !== undefined) break;
      }
      if (value === undefined) {
        this.#respond(session, message, 'Error', [['Message', 'No such channel']]);
        return;
      }
    }
    this.#respond(session, message, 'Success', [
      ['Variable', variable],
      ['Value', value],
    ]);
  }

  #showDialPlan(session: Session, message: AmiMessage): void {
    const context = headerValue(message, 'Context') ?? '';
    const list = showDialPlan(this.#dialplan, context, headerValue(message, 'ActionID'));
    if (!list) {
      this.#respond(session, message, 'Error', [['Message', `Did not find context ${context}`]]);
      return;
    }
    this.#respond(session, message, 'Success', [
      ['EventList', 'start'],
      ['Message', 'DialPlan list will follow'],
    ]);
    for (const event of list) this.#write(session, event);
  }

  #userEvent(session: Session, message: AmiMessage): void {
    const name = headerValue(message, 'UserEvent') ?? '';
    const actionId = headerValue(message, 'ActionID');
    this.#respond(session, message, 'Success', [['Message', 'Event Sent']]);
    const extra = message.headers.filter(
      ([header]) => !['action', 'actionid', 'userevent'].includes(header.toLowerCase()),
    );
    this.#broadcast(
      amiEvent(
        'UserEvent',
        'user,all',
        [['UserEvent', name]],
        actionId === undefined ? [] : [['ActionID', actionId]],
        extra,
      ),
    );
  }

  async #originate(session: Session, message: AmiMessage): Promise<void> {
    const refuse = (reason: string) => this.#respond(session, message, 'Error', [['Message', reason]]);
    const channel = headerValue(message, 'Channel') ?? '';
    const priority = headerValue(message, 'Priority');
    const timeout = headerValue(message, 'Timeout');
    if (channel === '') return refuse('Channel not specified');
    if (priority !== undefined && priority !== '' && !/^\d+$/.test(priority))
      return refuse('Invalid priority');
    if (timeout !== undefined && timeout !== '' && !/^\d+$/.test(timeout)) return refuse('Invalid timeout');
    const target = parseDialString(channel);
    if (!target) return refuse('Invalid channel');
    if (this.#state === 'shutting-down') return refuse('Asterisk is shutting down');
    if (headerValue(message, 'Application')) {
      return refuse('Originate with Application is not supported by the AMI simulator');
    }
    const context = headerValue(message, 'Context') || 'default';
    const exten = headerValue(message, 'Exten') || 's';
    // Before FullyBooted the dialplan is not loaded yet.
    if (this.#state === 'booting' || context !== this.#callnowContext || exten !== 's') {
      return refuse('Extension does not exist.');
    }
    const { callerIdNum, callerIdName } = parseCallerId(headerValue(message, 'CallerID'));
    const actionId = headerValue(message, 'ActionID');
    const extension = /^\D*(\d+)/.exec(target.resource)?.[1];
    const request: OriginateRequest = {
      channel,
      target,
      context,
      exten,
      timeoutMs: timeout ? Number(timeout) : DEFAULT_ORIGINATE_TIMEOUT_MS,
      callerIdNum,
      callerIdName,
      variables: parseVariables(headerValues(message, 'Variable')),
      async: /^(true|yes|on|1|y|t)$/i.test(headerValue(message, 'Async') ?? ''),
      ...(actionId === undefined ? {} : { actionId }),
      ...(extension === undefined ? {} : { extension }),
    };
    if (request.async) {
      this.#respond(session, message, 'Success', [['Message', 'Originate successfully queued']]);
      this.#startCall(request, () => {});
      return;
    }
    // A synchronous Originate answers only once the extension has answered or failed.
    const answered = await new Promise<boolean>((resolve) => this.#startCall(request, resolve));
    if (answered) this.#respond(session, message, 'Success', [['Message', 'Originate successfully queued']]);
    else refuse('Originate failed');
  }

  #startCall(request: OriginateRequest, onResult: (answered: boolean) => void): void {
    const requestId = request.variables.get('CALLNOW_REQUEST_ID');
    this.placedCalls.push({
      channel: request.channel,
      ...(request.actionId === undefined ? {} : { actionId: request.actionId }),
      ...(requestId === undefined ? {} : { requestId }),
    });
    const call = new SimulatedCall(this.#callEnvironment, request, onResult);
    this.#calls.add(call);
    call.start();
  }

  #respond(session: Session, request: AmiMessage, response: string, headers: readonly AmiHeader[]): void {
    const actionId = headerValue(request, 'ActionID');
    this.#write(session, [
      ['Response', response],
      ...(actionId === undefined ? [] : [['ActionID', actionId] as const]),
      ...headers,
    ]);
  }

  #broadcast(event: AmiHeader[]): void {
    for (const session of this.#sessions) {
      if (session.loggedIn) this.#sendEvent(session, event);
    }
  }

  #sendEvent(session: Session, event: AmiHeader[]): void {
    const privilege = event.find(([name]) => name === 'Privilege')?.[1] ?? '';
    const classes = privilege.split(',').filter((name) => name !== 'all');
    const reads = session.eventClasses;
    if (reads === undefined || classes.some((name) => reads.has(name))) this.#write(session, event);
  }

  #write(session: Session, headers: readonly AmiHeader[]): void {
    if (session.socket.writable) session.socket.write(serializeAmiMessage(headers));
  }

  #fullyBooted(): AmiHeader[] {
    const uptimeSeconds = String(Math.floor((Date.now() - this.#bootedAt) / 1000));
    return amiEvent('FullyBooted', 'system,all', [
      ['Uptime', uptimeSeconds],
      ['LastReload', uptimeSeconds],
      ['Status', 'Fully Booted'],
    ]);
  }

  #requestBadFormat(session: Session, requestType: string): void {
    this.#broadcast(
      this.#securityEvent(session, 'RequestBadFormat', 'Error', [
        ['RequestType', requestType],
        ['SessionTV', eventTime(session.startedAt)],
        ['AccountID', this.username],
      ]),
    );
  }

  #securityEvent(session: Session, name: string, severity: string, extra: readonly AmiHeader[]): AmiHeader[] {
    const local = `IPV4/TCP/${session.socket.localAddress ?? this.host}/${session.socket.localPort ?? this.#port}`;
    const remote = `IPV4/TCP/${session.socket.remoteAddress ?? ''}/${session.socket.remotePort ?? 0}`;
    const sessionHeaders: AmiHeader[] = [
      ['SessionID', session.sessionTag],
      ['LocalAddress', local],
      ['RemoteAddress', remote],
    ];
    return amiEvent(name, 'security,all', [
      ['EventTV', eventTime(new Date())],
      ['Severity', severity],
      ['Service', 'AMI'],
      ['EventVersion', '1'],
      ...(name === 'SuccessfulAuth' ? [['AccountID', this.username] as const] : []),
      ...sessionHeaders,
      ...extra,
      ...(name === 'SuccessfulAuth' ? [['SessionTV', eventTime(session.startedAt)] as const] : []),
    ]);
  }

  #coreStatus(): AmiHeader[] {
    const booted = new Date(this.#bootedAt);
    const [date = '', time = ''] = booted.toISOString().split('T');
    return [
      ['CoreStartupDate', date],
      ['CoreStartupTime', time.slice(0, 8)],
      ['CoreReloadDate', date],
      ['CoreReloadTime', time.slice(0, 8)],
      ['CoreCurrentCalls', String(this.#calls.size)],
      ['CoreProcessedCalls', '0'],
    ];
  }

  #scale(ms: number): number {
    return ms * this.timeScale;
  }

  #after(delayMs: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      step();
    }, this.#scale(delayMs));
    this.#timers.add(timer);
  }

  #sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.#after(delayMs, resolve));
  }
}

const CORE_SETTINGS: readonly AmiHeader[] = [
  ['AMIversion', '11.0.0'],
  ['AsteriskVersion', '22.10.1'],
  ['SystemName', ''],
  ['CoreMaxCalls', '0'],
  ['CoreMaxLoadAvg', '0.000000'],
  ['CoreRunUser', ''],
  ['CoreRunGroup', ''],
  ['CoreMaxFilehandles', '0'],
  ['CoreRealTimeEnabled', 'No'],
  ['CoreCDRenabled', 'Yes'],
  ['CoreHTTPenabled', 'No'],
  ['SoundsSearchCustomDir', 'No'],
];

/**
 * `on`/`off` or a list of event classes (`call,user`), as the Events action and Login's `Events` take them;
 * undefined means every class.
 */
function parseEventMask(mask: string): ReadonlySet<string> | undefined {
  const value = mask.trim().toLowerCase();
  if (/^(on|yes|true|all)$/.test(value)) return undefined;
  if (/^(off|no|false|)$/.test(value)) return new Set();
  return new Set(value.split(',').map((name) => name.trim()));
}

/** Flushes what was written, sends FIN and lets go, as Asterisk does after Goodbye or a refused login. */
function hangUpSocket(socket: Socket): void {
  socket.end(() => socket.destroy());
}

/** `Variable` headers, each `A=1` or `A=1,B=2` (Asterisk splits on commas); a later value wins. */
function parseVariables(values: readonly string[]): Map<string, string> {
  const variables = new Map<string, string>();
  for (const value of values) {
    for (const assignment of value.split(',')) {
      const equals = assignment.indexOf('=');
      if (equals > 0) variables.set(assignment.slice(0, equals).trim(), assignment.slice(equals + 1));
    }
  }
  return variables;
}

/** `"Name" <+15550100>`, `Name <+15550100>` or a bare number. */
function parseCallerId(callerId: string | undefined): { callerIdNum: string; callerIdName: string } {
  if (!callerId) return { callerIdNum: '<unknown>', callerIdName: '<unknown>' };
  const match = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(callerId);
  if (!match) return { callerIdNum: callerId.trim(), callerIdName: '<unknown>' };
  const name = (match[1] ?? '').replace(/^"(.*)"$/, '$1');
  return { callerIdNum: match[2] || '<unknown>', callerIdName: name || '<unknown>' };
}

/** `2026-11-26T17:42:26.652+0000`, as security events stamp themselves. */
function eventTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}
