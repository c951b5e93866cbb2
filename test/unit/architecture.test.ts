// The doors between the parts go one way: the cloud code and the connector share only contracts/, and neither
// depends on the wiring in infra/ (which imports them).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourcesUnder(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** Each relative module a file imports or re-exports, as a path from the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ]
    .map((match) => match[1] ?? match[2] ?? '')
    .filter((specifier) => specifier.startsWith('.'));
  return specifiers.map((specifier) =>
    path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)),
  );
}

function crossings(from: string, forbidden: readonly string[]): string[] {
  return sourcesUnder(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((folder) => target.startsWith(`${folder}/`)))
      .map((target) => `${file} -> ${target}`),
  );
}

describe('the parts', () => {
  it('keep the cloud functions free of their wiring and of the connector', () => {
    expect(crossings('functions', ['infra', 'edge-connector', 'bench', 'test'])).toEqual([]);
  });

  it('keep the connector free of the cloud functions and of the wiring', () => {
    expect(crossings('edge-connector', ['functions', 'infra', 'bench', 'test'])).toEqual([]);
  });

  it('keep the contract free of both sides', () => {
    expect(crossings('contracts', ['functions', 'edge-connector', 'infra'])).toEqual([]);
  });

  it('would see such an import', () => {
    expect(importsOf('infra/stack/callnow-stack.ts')).toContain('functions/lib/config.ts');
  });
});
