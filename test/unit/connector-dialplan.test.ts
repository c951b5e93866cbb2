// The shipped dialplan against what the call tracker understands (a static check of the .conf text).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} here is Asterisk's syntax, not a template slip
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALLNOW_STAGES } from '../../edge-connector/src/call-phases.ts';
import { contextsOf, firstDifference, parseDialplan } from '../../edge-connector/src/doctor/dialplan.ts';
import { SHIPPED_DIALPLAN } from '../../edge-connector/src/doctor/shipped-dialplan.generated.ts';
import { renderDialplanModule } from '../../scripts/generate-dialplan.ts';

const DIALPLAN_PATH = new URL('../../edge-connector/asterisk/extensions_callnow.conf', import.meta.url);
const dialplan = readFileSync(DIALPLAN_PATH, 'utf8');
const lines = dialplan.split('\n').filter((line) => !line.trimStart().startsWith(';'));

function userEvents(): string[] {
  return lines.filter((line) => line.includes('UserEvent(CallNow,'));
}

function lineIndex(pattern: RegExp): number {
  return lines.findIndex((line) => pattern.test(line));
}

describe('extensions_callnow.conf', () => {
  it.each(CALLNOW_STAGES)('emits Stage %s with the request id', (stage) => {
    const emitting = userEvents().filter(
      (line) => line.includes(`Stage: ${stage})`) || line.includes(`Stage: ${stage},`),
    );

    expect(emitting.length).toBeGreaterThan(0);
    for (const line of emitting) expect(line).toMatch(/RequestId: \$\{(CALLNOW_REQUEST_ID|ARG1)\}/);
  });

  it('emits no Stage the tracker does not understand', () => {
    const stages = userEvents().map((line) => /Stage: ([a-z-]+)/.exec(line)?.[1]);

    for (const stage of stages) expect(CALLNOW_STAGES).toContain(stage);
  });

  it.each(['accepted', 'refused', 'timeout'])('reports the confirm Outcome %s', (outcome) => {
    expect(userEvents().some((line) => line.includes(`Stage: confirm,Outcome: ${outcome})`))).toBe(true);
  });

  it('reports DIALSTATUS with dial-end and hangup', () => {
    expect(dialplan).toContain('Stage: dial-end,DialStatus: ${DIALSTATUS}');
    expect(dialplan).toContain('Stage: hangup,DialStatus: ${DIALSTATUS}');
  });

  it('lands the originated call in context callnow, exten s, and pushes the hangup handler before anything can end it', () => {
    expect(dialplan).toMatch(/^\[callnow\]$/m);
    expect(lineIndex(/^exten => s,1,/)).toBeGreaterThan(lineIndex(/^\[callnow\]$/));
    expect(lineIndex(/hangup_handler_push=callnow-hangup,s,1/)).toBeLessThan(
      lineIndex(/Stage: extension-answered/),
    );
    expect(dialplan).toMatch(/^\[callnow-hangup\]$/m);
  });

  it('dials the visitor with the ring time and a U() gosub that reports visitor-answered', () => {
    expect(dialplan).toContain(
      'Dial(${CALLNOW_VISITOR_DIAL},${CALLNOW_RING_SECONDS},U(callnow-visitor-answered^${CALLNOW_REQUEST_ID}))',
    );
    expect(dialplan).toMatch(/^\[callnow-visitor-answered\]$/m);
  });

  it("replaces the visitor's own number as CallerID before dialling them", () => {
    const setCallerId = lineIndex(/Set\(CALLERID\(num\)=/);

    expect(setCallerId).toBeGreaterThan(-1);
    expect(setCallerId).toBeLessThan(lineIndex(/Dial\(\$\{CALLNOW_VISITOR_DIAL\}/));
    expect(lines[setCallerId]).not.toContain('CALLNOW_VISITOR_NUMBER');
  });

  it("shows the visitor CALLNOW_VISITOR_CALLERID first, then the site's global, then the extension's number", () => {
    const fromConnector = lineIndex(/Set\(CALLNOW_SHOWN_NUMBER=\$\{CALLNOW_VISITOR_CALLERID\}\)/);
    const fromGlobal = lineIndex(/CALLNOW_SHOWN_NUMBER=\$\{CALLNOW_OUTBOUND_CALLERID\}/);
    const fromExtension = lineIndex(/CALLNOW_SHOWN_NUMBER=\$\{CALLNOW_EXTENSION\}/);
    const setCallerId = lineIndex(/Set\(CALLERID\(num\)=\$\{CALLNOW_SHOWN_NUMBER\}\)/);

    expect(fromConnector).toBeGreaterThan(-1);
    expect([fromConnector, fromGlobal, fromExtension, setCallerId]).toEqual(
      [fromConnector, fromGlobal, fromExtension, setCallerId].sort((a, b) => a - b),
    );
    expect(lines[fromConnector]).toContain('n(dial)');
    expect(lines[fromGlobal]).toContain('ExecIf($["${CALLNOW_SHOWN_NUMBER}" = ""]');
    expect(lines[fromExtension]).toContain('ExecIf($["${CALLNOW_SHOWN_NUMBER}" = ""]');
  });

  it('asks for the confirmation digit only when CALLNOW_CONFIRM is 1, with a timeout', () => {
    expect(dialplan).toContain('GotoIf($["${CALLNOW_CONFIRM}" != "1"]?dial)');
    expect(dialplan).toMatch(/Read\(CALLNOW_DIGIT,,1,,1,\d+\)/);
  });

  it('plays the prompt first and reports a prompt it cannot play instead of waiting for a digit', () => {
    const playback = dialplan.indexOf('Playback(${CALLNOW_PROMPT})');
    const check = dialplan.indexOf('GotoIf($["${PLAYBACKSTATUS}" != "SUCCESS"]?no-prompt)');
    const read = dialplan.indexOf('Read(CALLNOW_DIGIT,');
    expect(playback).toBeGreaterThan(-1);
    expect([playback, check, read]).toEqual([playback, check, read].sort((a, b) => a - b));
    expect(dialplan).toContain(
      'n(no-prompt),UserEvent(CallNow,RequestId: ${CALLNOW_REQUEST_ID},Stage: confirm,Outcome: prompt-missing',
    );
  });
});

describe('the dialplan the doctor compares with', () => {
  it('is the shipped file as it is now (run `npm run build:dialplan` after a change)', () => {
    expect(SHIPPED_DIALPLAN).toBe(dialplan);
    expect(
      readFileSync(
        new URL('../../edge-connector/src/doctor/shipped-dialplan.generated.ts', import.meta.url),
        'utf8',
      ),
    ).toBe(renderDialplanModule());
  });

  it('reads every context and numbers each priority as Asterisk does (n, labels, same =>)', () => {
    const priorities = parseDialplan(dialplan);
    expect(contextsOf(priorities)).toEqual(['callnow', 'callnow-visitor-answered', 'callnow-hangup']);
    const callnow = priorities.filter((priority) => priority.context === 'callnow');
    expect(callnow.map((priority) => priority.priority)).toEqual(callnow.map((_, index) => index + 1));
    expect(callnow[0]).toMatchObject({ exten: 's', application: 'NoOp' });
    expect(callnow.find((priority) => priority.application === 'Read')?.appData).toBe(
      'CALLNOW_DIGIT,,1,,1,10',
    );
  });

  it('names the first priority that differs, and nothing when they are the same', () => {
    const shipped = parseDialplan(dialplan);
    expect(firstDifference(shipped, shipped, 'callnow')).toBeUndefined();
    const edited = parseDialplan(
      dialplan.replace('Read(CALLNOW_DIGIT,,1,,1,10)', 'Read(CALLNOW_DIGIT,,1,,1,5)'),
    );
    expect(firstDifference(shipped, edited, 'callnow')).toContain('Read(CALLNOW_DIGIT,,1,,1,5)');
  });
});
