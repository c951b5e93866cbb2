// Types for the part of asterisk-manager 0.2.0 that the adapter uses (the package ships none).

declare module 'asterisk-manager' {
  /** A parsed message: lower-cased keys; repeated keys become arrays, `variable`/`chanvariable` become objects. */
  type RawAmiItem = Record<string, string | string[] | Record<string, string> | undefined>;

  /** Keys are lower-cased and re-capitalised on the wire; an object value becomes one `Key: name=value` per entry. */
  type RawAmiAction = Record<string, string | Readonly<Record<string, string>>>;

  interface AsteriskManager {
    on(event: 'rawevent' | 'managerevent' | 'response', listener: (item: RawAmiItem) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'connect' | 'close' | 'end', listener: () => void): this;
    removeAllListeners(event: string): this;
    listeners(event: string): unknown[];
    connect(port: number, host: string, callback: () => void): void;
    login(callback: (error?: RawAmiItem) => void): void;
    action(
      action: RawAmiAction,
      callback: (error: RawAmiItem | undefined, response: RawAmiItem) => void,
    ): string;
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
  }

  function Manager(
    port: number | undefined,
    host: string,
    username: string,
    password: string,
    events: boolean,
  ): AsteriskManager;

  namespace Manager {
    export type { AsteriskManager, RawAmiAction, RawAmiItem };
  }

  export = Manager;
}
