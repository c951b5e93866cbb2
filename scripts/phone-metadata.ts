// Writes functions/domain/phone-metadata.json: libphonenumber-js's max metadata (the only one that tells number
// types, which the destination policy needs) without what parsing, isValid and getType never read, so the
// public function's bundle stays small. Run `npx tsx scripts/phone-metadata.ts` after upgrading libphonenumber-js;
// test/unit/phone-metadata.test.ts fails until the committed file matches.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MetadataJson } from 'libphonenumber-js/core';

const repoRoot = path.join(import.meta.dirname, '..');
export const MAX_METADATA_PATH = path.join(repoRoot, 'node_modules/libphonenumber-js/metadata.max.json');
export const PHONE_METADATA_PATH = path.join(repoRoot, 'functions/domain/phone-metadata.json');

// Positions in a numbering plan array (metadata version 4) read only by formatting (format(), AsYouType,
// findNumbers): formats, national prefix formatting rule, "national prefix optional when formatting",
// preferred IDD prefix for dialling out, extension prefix. Everything else steers parsing or validation:
// calling code, IDD prefix, national number pattern, possible lengths, national prefix (and its parsing and
// transform rules), leading digits (picks the country among those sharing a calling code) and the type patterns.
// Dropping any of those changes some reading in test/unit/phone-metadata.test.ts; dropping these changes none.
const FORMATTING_ONLY_POSITIONS = [4, 6, 9, 12, 13];

type NumberingPlan = unknown[];

function pruneNumberingPlan(plan: NumberingPlan): NumberingPlan {
  const pruned = plan.map((value, position) => (FORMATTING_ONLY_POSITIONS.includes(position) ? 0 : value));
  // The library reads a missing trailing position the same as the 0 it stores for "none".
  while (pruned.length > 0 && pruned.at(-1) === 0) pruned.pop();
  return pruned;
}

function pruneAll(plans: Record<string, NumberingPlan | undefined>): Record<string, NumberingPlan> {
  return Object.fromEntries(
    Object.entries(plans).flatMap(([key, plan]) => (plan ? [[key, pruneNumberingPlan(plan)]] : [])),
  );
}

export function prunePhoneMetadata(max: MetadataJson): MetadataJson {
  return {
    version: max.version,
    country_calling_codes: max.country_calling_codes,
    countries: pruneAll(max.countries),
    nonGeographic: pruneAll(max.nonGeographic),
  };
}

export function readMaxMetadata(): MetadataJson {
  return JSON.parse(readFileSync(MAX_METADATA_PATH, 'utf8')) as MetadataJson;
}

/** The exact text the committed file should have. */
export function phoneMetadataText(): string {
  return `${JSON.stringify(prunePhoneMetadata(readMaxMetadata()))}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const text = phoneMetadataText();
  writeFileSync(PHONE_METADATA_PATH, text);
  console.log(`wrote ${path.relative(repoRoot, PHONE_METADATA_PATH)} (${Buffer.byteLength(text)} bytes)`);
}
