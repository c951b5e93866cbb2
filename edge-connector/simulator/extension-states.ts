// Device and hint states of the simulated extensions: what ExtensionState answers and what ExtensionStatus and
// DeviceStateChange events announce. A state set by hand (a phone in use outside CallNow) wins over the calls.

import type { AmiHeader } from '../src/ami/protocol.ts';
import { amiEvent } from './channels.ts';

export type ExtensionPresence = 'idle' | 'ringing' | 'in_use' | 'busy' | 'unavailable';

/** Hint states as Asterisk numbers and spells them (test/fixtures/asterisk/d_extensionstate_and_eventmask.txt). */
const HINT_STATES: Record<ExtensionPresence, { status: number; text: string; device: string }> = {
  idle: { status: 0, text: 'Idle', device: 'NOT_INUSE' },
  in_use: { status: 1, text: 'InUse', device: 'INUSE' },
  busy: { status: 2, text: 'Busy', device: 'BUSY' },
  unavailable: { status: 4, text: 'Unavailable', device: 'UNAVAILABLE' },
  ringing: { status: 8, text: 'Ringing', device: 'RINGING' },
};

export interface HintStatus {
  readonly hint: string;
  readonly status: number;
  readonly statusText: string;
}

const NO_HINT: HintStatus = { hint: '', status: -1, statusText: 'Unknown' };

export class ExtensionStates {
  readonly #emit: (event: AmiHeader[]) => void;
  readonly #hintContext: string;
  readonly #known: Set<string>;
  readonly #manual = new Map<string, ExtensionPresence>();
  readonly #calls = new Map<string, Map<number, 'ringing' | 'in_use'>>();
  readonly #announced = new Map<string, ExtensionPresence>();

  constructor(options: {
    emit: (event: AmiHeader[]) => void;
    hintContext: string;
    extensions: Iterable<string>;
  }) {
    this.#emit = options.emit;
    this.#hintContext = options.hintContext;
    this.#known = new Set(options.extensions);
  }

  isKnown(extension: string): boolean {
    return this.#known.has(extension);
  }

  presence(extension: string): ExtensionPresence {
    const manual = this.#manual.get(extension);
    if (manual === 'unavailable' || manual === 'busy') return manual;
    const calls = [...(this.#calls.get(extension)?.values() ?? [])];
    if (manual === 'in_use' || calls.includes('in_use')) return 'in_use';
    if (manual === 'ringing' || calls.includes('ringing')) return 'ringing';
    return 'idle';
  }

  hintStatus(extension: string): HintStatus {
    if (!this.#known.has(extension)) return NO_HINT;
    const state = HINT_STATES[this.presence(extension)];
    return { hint: hintDevice(extension), status: state.status, statusText: state.text };
  }

  /** `idle` clears a state set by hand; the calls then decide. */
  setManual(extension: string, presence: ExtensionPresence): void {
    this.#known.add(extension);
    if (presence === 'idle') this.#manual.delete(extension);
    else this.#manual.set(extension, presence);
    this.#announce(extension);
  }

  setCall(extension: string, callId: number, state: 'ringing' | 'in_use' | undefined): void {
    if (!this.#known.has(extension)) return;
    const calls = this.#calls.get(extension) ?? new Map<number, 'ringing' | 'in_use'>();
    if (state) calls.set(callId, state);
    else calls.delete(callId);
    this.#calls.set(extension, calls);
    this.#announce(extension);
  }

  /** After a crash or restart no call survives; states set by hand (real phones) do. */
  forgetCalls(): void {
    this.#calls.clear();
    this.#announced.clear();
  }

  #announce(extension: string): void {
    const presence = this.presence(extension);
    if ((this.#announced.get(extension) ?? 'idle') === presence) return;
    this.#announced.set(extension, presence);
    const state = HINT_STATES[presence];
    this.#emit(
      amiEvent('DeviceStateChange', 'call,all', [
        ['Device', hintDevice(extension)],
        ['State', state.device],
      ]),
    );
    this.#emit(
      amiEvent('ExtensionStatus', 'call,all', [
        ['Exten', extension],
        ['Context', this.#hintContext],
        ['Hint', hintDevice(extension)],
        ['Status', String(state.status)],
        ['StatusText', state.text],
      ]),
    );
  }
}

export function hintDevice(extension: string): string {
  return `PJSIP/${extension}`;
}
