// The PBX sites the stack serves, read from the `sites` CDK context: one call-requests queue pair and one
// connector identity per site.

import { InvalidContextError } from './settings.ts';

/** A site id becomes part of queue names and IAM names, so it is kept short, lower case and DNS-like. */
export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export class InvalidSitesContextError extends InvalidContextError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidSitesContextError';
  }
}

const EXPECTED =
  'Expected the "sites" context to be a list of site ids, e.g. "sites": ["hq"] in cdk.json or -c sites=hq,branch-1';

/**
 * Validates the `sites` context value. Accepts a JSON array (cdk.json) or a string (`-c sites=hq,branch-1`,
 * or `-c 'sites=["hq"]'`), because the CLI passes `-c` values as strings.
 */
export function parseSiteIds(value: unknown): readonly string[] {
  const list = typeof value === 'string' ? splitSitesString(value) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidSitesContextError(`${EXPECTED}; got ${JSON.stringify(value) ?? 'nothing'}.`);
  }
  const siteIds: string[] = [];
  const idsByConstructName = new Map<string, string>();
  for (const item of list) {
    if (typeof item !== 'string' || !SITE_ID_PATTERN.test(item)) {
      throw new InvalidSitesContextError(
        `Invalid site id ${JSON.stringify(item)} in the "sites" context: a site id is 1 to 32 characters, ` +
          'lower-case letters, digits and hyphens, starting with a letter or a digit (e.g. "hq", "branch-1").',
      );
    }
    const constructName = siteConstructName(item);
    const clash = idsByConstructName.get(constructName);
    if (clash !== undefined) {
      throw new InvalidSitesContextError(
        clash === item
          ? `Site id "${item}" appears twice in the "sites" context.`
          : `Site ids "${clash}" and "${item}" would share CloudFormation names (${constructName}); rename one.`,
      );
    }
    idsByConstructName.set(constructName, item);
    siteIds.push(item);
  }
  return siteIds;
}

function splitSitesString(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new InvalidSitesContextError(`${EXPECTED}; "${value}" is not valid JSON.`, { cause: error });
    }
  }
  return trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
}

/** "branch-1" -> "Branch1": the site's part of construct ids and output names (alphanumeric only). */
export function siteConstructName(siteId: string): string {
  return siteId
    .split('-')
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
