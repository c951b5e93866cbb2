// What the management API needs from storage. Every write is one conditional item write: no transactions.
import type { Scope } from './access.ts';
import type { CallRequest, Client, Extension, Reseller, ServerSettings, Site } from './model.ts';
import type { LimitCheck, LimitOutcome } from './rate-limits.ts';

export { ConcurrentChangeError, InvalidCursorError, RecordExistsError } from './management-errors.ts';

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface ApiKeyRecord {
  readonly keyId: string;
  /** SHA-256 of the secret part, base64url; keys are random enough that a slow hash adds nothing. */
  readonly secretHash: string;
  readonly scope: Scope;
  readonly label: string;
  readonly createdAt: string;
}

/** A console login below the admin. */
export interface LoginRecord {
  /** Lower case; unique on the server. */
  readonly username: string;
  readonly scope: Scope;
  /** scrypt. */
  readonly passwordHash: string;
  readonly createdAt: string;
}

export interface CallNowIdPointer {
  readonly callNowId: string;
  readonly extensionId: string;
  readonly clientId: string;
  readonly resellerId: string;
  readonly claimedAt?: string | undefined;
}

/** Who holds an extension number on a site: one item per `(site, number)`, written only if free. */
export interface ExtensionNumberClaim {
  readonly siteId: string;
  readonly number: string;
  readonly extensionId: string;
  readonly clientId: string;
  readonly resellerId: string;
  readonly claimedAt: string;
}

export interface ManagementStore {
  /** The stored settings, or undefined on a fresh table. */
  getServerSettings(): Promise<ServerSettings | undefined>;
  /** Writes the settings if the password hash is still `expectedPasswordHash` (so two password changes cannot cross). */
  putServerSettings(settings: ServerSettings, expectedPasswordHash: string | undefined): Promise<void>;

  getReseller(resellerId: string): Promise<Reseller | undefined>;
  getClient(clientId: string): Promise<Client | undefined>;
  getExtension(extensionId: string): Promise<Extension | undefined>;
  createReseller(reseller: Reseller): Promise<void>;
  createClient(client: Client): Promise<void>;
  createExtension(extension: Extension): Promise<void>;
  putReseller(reseller: Reseller): Promise<void>;
  putClient(client: Client): Promise<void>;
  /** Replaces the extension if its CallNow ID, site and number are still those of `expected`. */
  putExtension(extension: Extension, expected: Extension): Promise<void>;
  deleteReseller(resellerId: string): Promise<void>;
  deleteClient(clientId: string): Promise<void>;
  deleteExtension(extensionId: string): Promise<void>;
  listResellers(page: PageRequest): Promise<Page<Reseller>>;
  listClients(resellerId: string, page: PageRequest): Promise<Page<Client>>;
  listExtensions(
    resellerId: string,
    clientId: string | undefined,
    page: PageRequest,
  ): Promise<Page<Extension>>;

  getSite(siteId: string): Promise<Site | undefined>;
  listSites(): Promise<readonly Site[]>;
  /** Replaces the site's allocations if its revision is still `site.revision`; throws ConcurrentChangeError if not. */
  putSiteAllocations(site: Site): Promise<void>;

  getExtensionNumber(siteId: string, number: string): Promise<ExtensionNumberClaim | undefined>;
  /** Writes the claim if the number is free, already this extension's, or held by `reclaimableFrom` (an orphan). */
  claimExtensionNumber(claim: ExtensionNumberClaim, reclaimableFrom?: string): Promise<'claimed' | 'taken'>;
  /** Deletes the claim only if it is still `extensionId`'s. */
  releaseExtensionNumber(siteId: string, number: string, extensionId: string): Promise<void>;
  /** The claims on a site's numbers from `first` to `last` (one length). */
  listExtensionNumbers(
    siteId: string,
    range: { first: string; last: string },
  ): Promise<ExtensionNumberClaim[]>;

  getCallNowIdPointer(callNowId: string): Promise<CallNowIdPointer | undefined>;
  /** Writes the pointer if the ID is free, already this extension's, or held by `reclaimableFrom` (an orphan). */
  claimCallNowId(pointer: CallNowIdPointer, reclaimableFrom?: string): Promise<'claimed' | 'taken'>;
  /** Deletes the pointer only if it still points at `extensionId`. */
  releaseCallNowId(callNowId: string, extensionId: string): Promise<void>;

  getApiKey(keyId: string): Promise<ApiKeyRecord | undefined>;
  createApiKey(key: ApiKeyRecord): Promise<void>;
  deleteApiKey(keyId: string): Promise<boolean>;
  listApiKeys(page: PageRequest): Promise<Page<ApiKeyRecord>>;

  /** An extension's call requests, the newest first. */
  listCallRequests(extensionId: string, page: PageRequest): Promise<Page<CallRequest>>;

  getLogin(username: string): Promise<LoginRecord | undefined>;
  /** Fails with RecordExistsError when the username is taken. */
  createLogin(login: LoginRecord): Promise<void>;
  /** Replaces the login if its password hash is still `expectedPasswordHash`. */
  putLogin(login: LoginRecord, expectedPasswordHash: string): Promise<void>;
  deleteLogin(username: string): Promise<void>;
  /** The logins made for exactly this node of the tree. */
  listLogins(scope: Scope, page: PageRequest): Promise<Page<LoginRecord>>;

  /** Counts one hit in the subject's current window, refusing it (and counting nothing) at the limit. */
  hit(check: LimitCheck, nowMs: number): Promise<LimitOutcome>;
  /** Says whether the subject's current window is under its limit, counting nothing. */
  countHits(check: LimitCheck, nowMs: number): Promise<LimitOutcome>;
}
