// The server's Call API settings (the "Call API" tab): admin only; the password is write-only.
import { isAdmin, type Principal } from './access.ts';
import { DEFAULT_SERVER_SETTINGS } from './defaults.ts';
import type { DestinationPolicy } from './destination-policy.ts';
import { forbidden, invalid } from './management-errors.ts';
import type { ManagementStore } from './management-ports.ts';
import type { PreferredAgent, PublicLimits, RequestLimit, ServerSettings, SubnetLimit } from './model.ts';
import { parseCidr } from './rate-limits.ts';

export interface CallApiSettingsView {
  readonly callApiEnabled: boolean;
  readonly adminUsername: string;
  readonly adminPasswordSet: boolean;
  readonly requestLimit: RequestLimit;
  readonly preferredAgent: PreferredAgent;
  readonly subnetLimits: readonly SubnetLimit[];
  readonly defaultCountry: string;
  readonly publicLimits: PublicLimits;
  readonly destinationPolicy: DestinationPolicy;
  readonly callRequestRetentionDays: number;
}

export interface CallApiSettingsInput {
  readonly callApiEnabled: boolean;
  readonly adminUsername: string;
  /** Changing the password needs the current one once one is set. */
  readonly password?: { readonly current?: string | undefined; readonly new: string } | undefined;
  readonly requestLimit: RequestLimit;
  readonly preferredAgent: PreferredAgent;
  readonly subnetLimits: readonly SubnetLimit[];
  readonly defaultCountry: string;
  /** Absent: kept as they are (as are the two below). */
  readonly publicLimits?: PublicLimits | undefined;
  readonly destinationPolicy?: DestinationPolicy | undefined;
  readonly callRequestRetentionDays?: number | undefined;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export function viewOf(settings: ServerSettings): CallApiSettingsView {
  const { adminPasswordHash, ...rest } = settings;
  return { ...rest, adminPasswordSet: adminPasswordHash !== undefined };
}

export async function getCallApiSettings(
  store: ManagementStore,
  principal: Principal,
): Promise<CallApiSettingsView> {
  if (!isAdmin(principal)) throw forbidden('the Call API settings are for the admin account');
  return viewOf((await store.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS);
}

export async function putCallApiSettings(
  store: ManagementStore,
  principal: Principal,
  input: CallApiSettingsInput,
  passwords: PasswordHasher,
): Promise<CallApiSettingsView> {
  if (!isAdmin(principal)) throw forbidden('the Call API settings are for the admin account');
  input.subnetLimits.forEach((rule, index) => {
    if (!parseCidr(rule.cidr)) {
      throw invalid(
        `subnetLimits.${index}.cidr`,
        `subnetLimits.${index}.cidr ${rule.cidr} is not an IPv4 or IPv6 address or network`,
      );
    }
  });
  const current = (await store.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS;
  let adminPasswordHash = current.adminPasswordHash;
  if (input.password) {
    if (adminPasswordHash !== undefined) {
      const given = input.password.current;
      if (given === undefined)
        throw invalid('password.current', 'password.current is required to change the password');
      if (!(await passwords.verify(given, adminPasswordHash))) {
        throw invalid('password.current', 'password.current is not the current password');
      }
    }
    adminPasswordHash = await passwords.hash(input.password.new);
  }
  const { password: _, publicLimits, destinationPolicy, callRequestRetentionDays, ...settings } = input;
  const next: ServerSettings = {
    ...settings,
    subnetLimits: [...settings.subnetLimits],
    publicLimits: publicLimits ?? current.publicLimits,
    destinationPolicy: destinationPolicy ?? current.destinationPolicy,
    callRequestRetentionDays: callRequestRetentionDays ?? current.callRequestRetentionDays,
    ...(adminPasswordHash === undefined ? {} : { adminPasswordHash }),
  };
  await store.putServerSettings(next, current.adminPasswordHash);
  return viewOf(next);
}

/** Sets the admin password directly, for a fresh deployment where nobody can log in yet (the admin CLI). */
export async function setAdminPassword(
  store: ManagementStore,
  password: string,
  passwords: PasswordHasher,
  username?: string,
): Promise<void> {
  const current = (await store.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS;
  const next: ServerSettings = {
    ...current,
    ...(username === undefined ? {} : { adminUsername: username }),
    adminPasswordHash: await passwords.hash(password),
  };
  await store.putServerSettings(next, current.adminPasswordHash);
}
