// "Calls": an extension's recent call requests, or a client's across its extensions, in words; while one is under
// way the list keeps itself current (a script swaps it in place; without scripts the page reloads itself).
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type CallState, type FailureReason, isTerminal } from '../../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../../contracts/log-masking.ts';
import { type ClientCall, listClientCalls, listExtensionCalls } from '../../domain/call-history.ts';
import type { CallRequest } from '../../domain/model.ts';
import { loadClient, loadExtension } from '../../domain/owner-tree.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page } from '../http.ts';
import { h, layout, link, table } from '../layout.ts';

const CALLS_SHOWN = 50;
const LIVE_SECONDS = 3;

const STATES: Readonly<Record<CallState, string>> = {
  queued: 'Waiting for the phone system',
  dialing_extension: 'Ringing the extension',
  awaiting_confirmation: 'Answered, waiting for 0 to confirm',
  dialing_visitor: 'Calling the visitor',
  connected: 'Connected',
  completed: 'Ended after talking',
  failed: 'Not connected',
};

const REASONS: Readonly<Record<FailureReason, string>> = {
  expired: 'the phone system did not take it in time',
  extension_busy: 'the extension was busy',
  extension_no_answer: 'the extension did not answer',
  extension_declined: 'the extension declined it',
  visitor_busy: 'the visitor was busy',
  visitor_no_answer: 'the visitor did not answer',
  visitor_unreachable: "the visitor's number could not be reached",
  pbx_unavailable: 'the phone system was unavailable',
  pbx_misconfigured: "the phone system is not set up right (the connector's log says how to fix it)",
  rejected: 'cancelled or refused',
};

export function callOutcome(call: Pick<CallRequest, 'status' | 'reason'>): string {
  const reason = call.status === 'failed' && call.reason ? `: ${REASONS[call.reason]}` : '';
  return `${STATES[call.status]}${reason}`;
}

const when = (iso: string) =>
  `<time datetime="${h(iso)}">${h(iso.slice(0, 16).replace('T', ' '))} UTC</time>`;

function callsPage<T extends CallRequest>(
  request: ConsoleRequest,
  title: string,
  calls: readonly T[],
  extensionColumn: ((call: T) => string) | undefined,
  back: string,
): APIGatewayProxyStructuredResultV2 {
  const live = calls.some((call) => !isTerminal(call.status));
  const headers = ['Time', ...(extensionColumn ? ['Extension'] : []), 'Number', "Caller's name", 'State'];
  const rows = calls.map((call) => [
    when(call.createdAt),
    ...(extensionColumn ? [extensionColumn(call)] : []),
    `<span class="number">${h(maskPhoneNumber(call.visitorPhone))}</span>`,
    h(call.visitorName ?? ''),
    `<span data-state="${call.status}">${h(callOutcome(call))}</span>`,
  ]);
  const liveness = live ? ` data-live="${LIVE_SECONDS}"` : '';
  const body = `<div id="calls"${liveness}>
<p role="status" class="hint">${live ? 'A call is under way: this list updates by itself.' : `The last ${CALLS_SHOWN} calls at most.`}</p>
${table('Recent calls', headers, rows)}
</div>
<p>${back}</p>`;
  return page(200, layout(request.viewer, title, body, live ? { refreshSeconds: LIVE_SECONDS } : {}));
}

export function addCallScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/extensions/{id}/calls', async (request) => {
      const { management } = request.ports;
      const { principal } = request.viewer;
      const extension = await loadExtension(management, principal, request.params[0] ?? '');
      const calls = await listExtensionCalls(management, principal, extension.extensionId, {
        limit: CALLS_SHOWN,
      });
      const back = link(
        `/console/extensions/${extension.extensionId}`,
        `Back to extension ${extension.number}`,
      );
      return callsPage(request, `Calls of extension ${extension.number}`, calls.items, undefined, back);
    })
    .add('GET', '/clients/{id}/calls', async (request) => {
      const { management } = request.ports;
      const { principal } = request.viewer;
      const client = await loadClient(management, principal, request.params[0] ?? '');
      const calls = await listClientCalls(management, principal, client.clientId, CALLS_SHOWN);
      const extension = (call: ClientCall) =>
        link(`/console/extensions/${call.extensionId}/calls`, call.extensionNumber);
      const back = link(`/console/clients/${client.clientId}`, `Back to client ${client.name}`);
      return callsPage(request, `Calls of client ${client.name}`, calls, extension, back);
    });
}
