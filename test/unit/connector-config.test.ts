import { describe, expect, it } from 'vitest';
import { ConnectorConfigError, loadConnectorConfig } from '../../edge-connector/src/config.ts';

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    CALL_REQUESTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-requests-hq',
    CALL_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-events',
    SITE_ID: 'hq',
    AMI_HOST: '127.0.0.1',
    AMI_USERNAME: 'callnow',
    AMI_SECRET: 's3cret',
    PATH: '/usr/bin',
    ...overrides,
  };
}

function configError(vars: NodeJS.ProcessEnv): ConnectorConfigError {
  try {
    loadConnectorConfig(vars);
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorConfigError');
}

describe('loadConnectorConfig', () => {
  it('reads the variables and applies the defaults', () => {
    const config = loadConnectorConfig(env());

    expect(config).toEqual({
      callRequestsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-requests-hq',
      callEventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-events',
      siteId: 'hq',
      ami: { host: '127.0.0.1', port: 5038, username: 'callnow', secret: 's3cret' },
      extensionChannelTemplate: 'PJSIP/{extension}',
      visitorDialTemplate: 'PJSIP/{number}@trunk',
      callnowContext: 'callnow',
      extensionHintContext: 'ext-local',
      presenceExtensions: [],
      presenceRefreshSeconds: 120,
      operations: {
        stateDir: '/var/lib/callnow-connector',
        healthPort: 9478,
        maxConcurrentCalls: 10,
        stopGraceSeconds: 15,
        visibilityTimeoutSeconds: 60,
        safetyMarginSeconds: 15,
        receiveWaitSeconds: 20,
        logLevel: 'info',
      },
    });
  });

  it('reads the operator settings of issue 3', () => {
    const config = loadConnectorConfig(
      env({
        OUTBOUND_CALLER_ID: '+12025550199',
        EXTENSION_HINT_CONTEXT: 'from-internal',
        PRESENCE_EXTENSIONS: '101, 102,101',
        PRESENCE_REFRESH_SECONDS: '60',
        MAX_CONCURRENT_CALLS: '25',
        CALLNOW_STATE_DIR: '/srv/callnow',
        HEALTH_PORT: '0',
        STOP_GRACE_SECONDS: '30',
        VISIBILITY_TIMEOUT_SECONDS: '120',
        CALL_SAFETY_MARGIN_SECONDS: '5',
        LOG_LEVEL: 'DEBUG',
      }),
    );

    expect(config).toMatchObject({
      outboundCallerId: '+12025550199',
      extensionHintContext: 'from-internal',
      presenceExtensions: ['101', '102'],
      presenceRefreshSeconds: 60,
      operations: {
        stateDir: '/srv/callnow',
        healthPort: undefined,
        maxConcurrentCalls: 25,
        stopGraceSeconds: 30,
        visibilityTimeoutSeconds: 120,
        safetyMarginSeconds: 5,
        logLevel: 'debug',
      },
    });
  });

  it("keeps the journal in systemd's StateDirectory when CALLNOW_STATE_DIR is not set", () => {
    expect(
      loadConnectorConfig(env({ STATE_DIRECTORY: '/var/lib/callnow-connector-b' })).operations?.stateDir,
    ).toBe('/var/lib/callnow-connector-b');
  });

  it('takes the templates as given', () => {
    const config = loadConnectorConfig(
      env({
        EXTENSION_CHANNEL_TEMPLATE: 'Local/{extension}@from-internal',
        VISITOR_DIAL_TEMPLATE: 'Local/{number}@from-internal',
        CALLNOW_CONTEXT: 'callnow-site2',
        AMI_PORT: '15038',
      }),
    );

    expect(config.extensionChannelTemplate).toBe('Local/{extension}@from-internal');
    expect(config.visitorDialTemplate).toBe('Local/{number}@from-internal');
    expect(config.callnowContext).toBe('callnow-site2');
    expect(config.ami.port).toBe(15038);
  });

  it('treats an empty variable as unset, so its default applies', () => {
    expect(loadConnectorConfig(env({ AMI_PORT: '', VISITOR_DIAL_TEMPLATE: '' })).ami.port).toBe(5038);
  });

  it('names every missing required variable', () => {
    const error = configError({ AMI_SECRET: '' });

    expect(error.variables).toEqual([
      'CALL_REQUESTS_QUEUE_URL',
      'CALL_EVENTS_QUEUE_URL',
      'SITE_ID',
      'AMI_HOST',
      'AMI_USERNAME',
      'AMI_SECRET',
    ]);
    expect(error.message).toContain('AMI_SECRET is required');
  });

  it.each([
    ['AMI_PORT', 'abc', 'AMI_PORT must be a TCP port number'],
    ['AMI_PORT', '70000', 'AMI_PORT must be between 1 and 65535'],
    ['SITE_ID', 'HQ main', 'SITE_ID must be lower-case'],
    ['CALL_EVENTS_QUEUE_URL', 'callnow-call-events', 'CALL_EVENTS_QUEUE_URL must be an http(s) queue URL'],
    ['EXTENSION_CHANNEL_TEMPLATE', 'PJSIP/101', 'EXTENSION_CHANNEL_TEMPLATE must contain {extension}'],
    [
      'EXTENSION_CHANNEL_TEMPLATE',
      'PJSIP/{extension},30',
      'EXTENSION_CHANNEL_TEMPLATE must expand to a dial string',
    ],
    ['VISITOR_DIAL_TEMPLATE', 'PJSIP/trunk', 'VISITOR_DIAL_TEMPLATE must contain {number} or {digits}'],
    ['VISITOR_DIAL_TEMPLATE', 'PJSIP/{number}@trunk\nAction: Logoff', 'VISITOR_DIAL_TEMPLATE must expand'],
    ['CALLNOW_CONTEXT', 'callnow,s,1', 'CALLNOW_CONTEXT must be a dialplan context name'],
    ['OUTBOUND_CALLER_ID', '2025550199', 'OUTBOUND_CALLER_ID must be an E.164 number'],
    ['EXTENSION_HINT_CONTEXT', 'ext local', 'EXTENSION_HINT_CONTEXT must be a dialplan context name'],
    ['PRESENCE_EXTENSIONS', '101;102', 'PRESENCE_EXTENSIONS must be extension numbers separated by commas'],
    // The cloud takes presence older than 300 s as unknown: a refresh must come well before.
    ['PRESENCE_REFRESH_SECONDS', '300', 'PRESENCE_REFRESH_SECONDS must be from 10 to 240'],
    ['PRESENCE_REFRESH_SECONDS', '5', 'PRESENCE_REFRESH_SECONDS must be from 10 to 240'],
    ['MAX_CONCURRENT_CALLS', '0', 'MAX_CONCURRENT_CALLS must be from 1 to 1000'],
    ['HEALTH_PORT', '99999', 'HEALTH_PORT must be from 0 to 65535'],
    ['CALLNOW_STATE_DIR', 'state', 'CALLNOW_STATE_DIR must be an absolute path'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL'],
  ])('refuses %s=%j with a message naming it', (variable, value, message) => {
    const error = configError(env({ [variable]: value }));

    expect(error.variables).toEqual([variable]);
    expect(error.message).toContain(message);
  });
});
