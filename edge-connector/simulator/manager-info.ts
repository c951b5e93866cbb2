// What the simulated Asterisk tells about itself: the actions a user may send (ListCommands, and the Permission
// denied of the others), and its dialplan (ShowDialPlan), read from a dialplan file as pbx_config would.

import type { AmiHeader } from '../src/ami/protocol.ts';
import { type DialplanPriority, parseDialplan } from '../src/doctor/dialplan.ts';

/** Each action the simulator answers, its synopsis and its write authority as Asterisk 22 lists them. */
export const MANAGER_ACTIONS: Readonly<
  Record<string, { readonly synopsis: string; readonly authority: readonly string[] }>
> = {
  Login: { synopsis: 'Login Manager.', authority: [] },
  Logoff: { synopsis: 'Logoff Manager.', authority: [] },
  Challenge: { synopsis: 'Generate Challenge for MD5 Auth.', authority: [] },
  Ping: { synopsis: 'Keepalive command.', authority: [] },
  Events: { synopsis: 'Control Event Flow.', authority: [] },
  ListCommands: { synopsis: 'List available manager commands.', authority: [] },
  CoreSettings: { synopsis: 'Show PBX core settings (version etc).', authority: ['system', 'reporting'] },
  CoreStatus: { synopsis: 'Show PBX core status variables.', authority: ['system', 'reporting'] },
  ExtensionState: { synopsis: 'Check Extension Status.', authority: ['call', 'reporting'] },
  Getvar: { synopsis: 'Gets a channel variable or function value.', authority: ['call', 'reporting'] },
  UserEvent: { synopsis: 'Send an arbitrary event.', authority: ['user'] },
  Originate: { synopsis: 'Originate a call.', authority: ['originate'] },
  ShowDialPlan: { synopsis: 'Show dialplan contexts and extensions', authority: ['config', 'reporting'] },
};

/** As Asterisk decides: an action of no authority, or one the user's write classes share. */
export function mayWrite(action: string, writeClasses: ReadonlySet<string> | undefined): boolean {
  const entry = Object.entries(MANAGER_ACTIONS).find(([name]) => name.toLowerCase() === action.toLowerCase());
  if (!entry || entry[1].authority.length === 0 || writeClasses === undefined) return true;
  return entry[1].authority.some((name) => writeClasses.has(name));
}

export function listCommands(writeClasses: ReadonlySet<string> | undefined): AmiHeader[] {
  return Object.entries(MANAGER_ACTIONS)
    .filter(([name]) => mayWrite(name, writeClasses))
    .map(([name, { synopsis, authority }]) => [
      name,
      `${synopsis} (Priv: ${authority.length === 0 ? '<none>' : [...authority, 'all'].join(',')})`,
    ]);
}

/** ShowDialPlan of one context: its ListDialplan events and the ShowDialPlanComplete, or undefined if it is unknown. */
export function showDialPlan(
  dialplan: readonly DialplanPriority[],
  context: string,
  actionId: string | undefined,
): AmiHeader[][] | undefined {
  const priorities = dialplan.filter((priority) => priority.context === context);
  if (priorities.length === 0) return undefined;
  const id: AmiHeader[] = actionId === undefined ? [] : [['ActionID', actionId]];
  const items = priorities.map((priority): AmiHeader[] => [
    ['Event', 'ListDialplan'],
    ...id,
    ['Context', priority.context],
    ['Extension', priority.exten],
    ...(priority.label ? ([['ExtensionLabel', priority.label]] as AmiHeader[]) : []),
    ['Priority', String(priority.priority)],
    ['Application', priority.application],
    ['AppData', priority.appData],
    ['Registrar', 'pbx_config'],
  ]);
  const extensions = new Set(priorities.map((priority) => priority.exten)).size;
  return [
    ...items,
    [
      ['Event', 'ShowDialPlanComplete'],
      ['EventList', 'Complete'],
      ['ListItems', String(items.length)],
      ['ListExtensions', String(extensions)],
      ['ListPriorities', String(items.length)],
      ['ListContexts', '1'],
      ...id,
    ],
  ];
}

export { parseDialplan };
