// A dialplan file read as Asterisk's pbx_config reads it, enough for the shipped CallNow file: contexts, `exten =>`
// and `same =>` lines, labels, `n` priorities. The doctor compares the PBX's dialplan (ShowDialPlan) with it, and the
// simulator answers ShowDialPlan from it.

export interface DialplanPriority {
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly label?: string;
  readonly application: string;
  readonly appData: string;
}

const CONTEXT = /^\[([^\]]+)\]/;
const EXTEN = /^exten\s*=>\s*([^,]+),\s*(\d+|n)(?:\(([^)]+)\))?,\s*(.*)$/;
const SAME = /^same\s*=>\s*(\d+|n)(?:\(([^)]+)\))?,\s*(.*)$/;

/** `App(data)` into its parts; an application without parentheses has no data. */
function command(text: string): { application: string; appData: string } {
  const open = text.indexOf('(');
  if (open < 0) return { application: text.trim(), appData: '' };
  const close = text.lastIndexOf(')');
  return {
    application: text.slice(0, open).trim(),
    appData: text.slice(open + 1, close < open ? undefined : close),
  };
}

export function parseDialplan(text: string): DialplanPriority[] {
  const priorities: DialplanPriority[] = [];
  let context = '';
  let exten = '';
  let last = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const header = CONTEXT.exec(line);
    if (header?.[1]) {
      context = header[1];
      continue;
    }
    const found = EXTEN.exec(line);
    const same = found ? undefined : SAME.exec(line);
    if (found) exten = found[1]?.trim() ?? '';
    const [number, label, body] = found
      ? [found[2], found[3], found[4]]
      : same
        ? [same[1], same[2], same[3]]
        : [];
    if (number === undefined || body === undefined) continue;
    last = number === 'n' ? last + 1 : Number(number);
    priorities.push({ context, exten, priority: last, ...(label ? { label } : {}), ...command(body) });
  }
  return priorities;
}

export const contextsOf = (priorities: readonly DialplanPriority[]) => [
  ...new Set(priorities.map((p) => p.context)),
];

/** The first priority of `context` where `installed` differs from `shipped`, in words; undefined when they match. */
export function firstDifference(
  shipped: readonly DialplanPriority[],
  installed: readonly DialplanPriority[],
  context: string,
): string | undefined {
  const describe = (p: DialplanPriority | undefined) =>
    p ? `${p.exten},${p.priority},${p.application}(${p.appData})` : 'nothing';
  const want = shipped.filter((p) => p.context === context);
  const have = installed.filter((p) => p.context === context);
  for (let index = 0; index < Math.max(want.length, have.length); index++) {
    const [a, b] = [want[index], have[index]];
    if (
      a?.exten !== b?.exten ||
      a?.priority !== b?.priority ||
      a?.application !== b?.application ||
      a?.appData !== b?.appData
    ) {
      return `[${context}] ${describe(a)} was expected, found ${describe(b)}`;
    }
  }
  return undefined;
}
