// What a fresh server and a new extension start with.
import { defaultDestinationPolicy } from './destination-policy.ts';
import {
  type CallNowPreferences,
  DEFAULT_CALL_REQUEST_RETENTION_DAYS,
  DEFAULT_PUBLIC_LIMITS,
  type ServerSettings,
} from './model.ts';

export const DEFAULT_ADMIN_USERNAME = 'admin';

/** Call API off and no admin password: nothing can be called, and nobody can log in, until an operator decides. */
export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  callApiEnabled: false,
  defaultCountry: 'US',
  adminUsername: DEFAULT_ADMIN_USERNAME,
  preferredAgent: 'none',
  requestLimit: { requests: 100, windowSeconds: 60 },
  subnetLimits: [],
  publicLimits: DEFAULT_PUBLIC_LIMITS,
  destinationPolicy: defaultDestinationPolicy(),
  callRequestRetentionDays: DEFAULT_CALL_REQUEST_RETENTION_DAYS,
};

export function defaultCallNowPreferences(callNowId: string): CallNowPreferences {
  return {
    allowCalls: false,
    callNowId,
    notWhileOnPhone: false,
    confirm: false,
    showName: true,
    askCallerName: false,
    imageValidation: false,
    language: 'en',
    message: '',
    ringSeconds: 30,
    availability: null,
    allowedOrigins: [],
  };
}
