// Turns a call request into the AMI Originate of the dialplan contract (edge-connector/asterisk/README.md).
import {
  CHANNEL_PATTERN,
  E164_PATTERN,
  hasControlCharacters,
  toAmiSafeText,
} from '../../contracts/ami-safe.ts';
import type { CallRequested } from '../../contracts/messages.ts';
import type { AmiAction } from './ami/types.ts';
import { type ConnectorConfig, expandExtensionChannel, expandVisitorDial } from './config.ts';

export class OriginateBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OriginateBuildError';
  }
}

export interface OriginatePlan {
  /** `callnow-<requestId>-<attempt>`: pass it as the send option `actionId`; OriginateResponse carries it back. */
  readonly actionId: string;
  readonly action: AmiAction;
  /** The extension's dial string; its channels are named `<extensionChannel>-<suffix>`. */
  readonly extensionChannel: string;
  readonly visitorDial: string;
}

export type OriginateConfig = Pick<
  ConnectorConfig,
  'extensionChannelTemplate' | 'visitorDialTemplate' | 'callnowContext' | 'outboundCallerId'
>;

export function originateActionId(requestId: string, attempt: number): string {
  return `callnow-${requestId}-${attempt}`;
}

/**
 * Builds the Originate for one delivery of a request: always into the CallNow dialplan context, never an
 * `Application`/`Data` originate (which would run any application with the AMI user's rights). `attempt` tells deliveries apart (the SQS receive count),
 * so a late OriginateResponse of an earlier attempt cannot be taken for this one's.
 * The action holds no ActionID header: the AMI client writes the one given as the `actionId` send option.
 * @throws OriginateBuildError when a value would not be a valid dial string or is unsafe for AMI
 */
export function buildOriginate(
  request: CallRequested,
  config: OriginateConfig,
  attempt: number,
): OriginatePlan {
  const extensionChannel =
    request.extension.channel ??
    expandExtensionChannel(config.extensionChannelTemplate, request.extension.number);
  const visitorDial = expandVisitorDial(config.visitorDialTemplate, request.visitor.phone);
  if (!CHANNEL_PATTERN.test(extensionChannel)) {
    throw new OriginateBuildError(
      `extension channel ${JSON.stringify(extensionChannel)} is not a valid dial string`,
    );
  }
  if (!CHANNEL_PATTERN.test(visitorDial)) {
    throw new OriginateBuildError('the visitor dial string is not valid (check VISITOR_DIAL_TEMPLATE)');
  }
  if (!E164_PATTERN.test(request.visitor.phone)) {
    throw new OriginateBuildError('the visitor phone number is not E.164');
  }
  // What the visitor's phone shows: never their own number (the dialplan falls back to the extension's).
  const visitorCallerId = request.visitorCallerId ?? config.outboundCallerId;
  if (visitorCallerId !== undefined && !E164_PATTERN.test(visitorCallerId)) {
    throw new OriginateBuildError('the caller ID shown to the visitor is not E.164');
  }
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new OriginateBuildError(`attempt must be a positive integer, got ${attempt}`);
  }

  const callerIdName = toAmiSafeText(request.callerIdName);
  const callerId =
    callerIdName === '' ? `<${request.visitor.phone}>` : `"${callerIdName}" <${request.visitor.phone}>`;
  const variables = [
    `CALLNOW_REQUEST_ID=${request.requestId}`,
    `CALLNOW_EXTENSION=${request.extension.number}`,
    `CALLNOW_CONFIRM=${request.confirm ? '1' : '0'}`,
    `CALLNOW_VISITOR_DIAL=${visitorDial}`,
    `CALLNOW_VISITOR_NUMBER=${request.visitor.phone}`,
    `CALLNOW_RING_SECONDS=${request.ringSeconds}`,
    ...(visitorCallerId === undefined ? [] : [`CALLNOW_VISITOR_CALLERID=${visitorCallerId}`]),
  ];
  const action: AmiAction = {
    Action: 'Originate',
    Channel: extensionChannel,
    Context: config.callnowContext,
    Exten: 's',
    Priority: '1',
    Timeout: String(request.ringSeconds * 1000),
    CallerID: callerId,
    Async: 'true',
    Variable: variables,
  };
  // Defence in depth: the schema and the sanitiser already guarantee this; a header break must be impossible.
  for (const value of [callerId, ...variables]) {
    if (hasControlCharacters(value))
      throw new OriginateBuildError('a value bound for AMI holds a control character');
  }
  return { actionId: originateActionId(request.requestId, attempt), action, extensionChannel, visitorDial };
}
