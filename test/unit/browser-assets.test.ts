// The browser code the pages inline is built from functions/browser/ (scripts/build-browser.ts); the committed
// module must be what a build makes now, and its CSP hashes must be those of its texts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as assets from '../../functions/public/browser-assets.generated.ts';
import { CONTENT_SECURITY_POLICY } from '../../functions/public/pages.ts';
import { renderAssetModules } from '../../scripts/build-browser.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cspOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('the built browser code', () => {
  it('is committed as a build makes it now (run `npm run build:browser` after a change)', async () => {
    for (const [file, text] of await renderAssetModules()) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), file).toBe(text);
    }
  }, 30_000);

  it('carries the hash of each text, and the page allows exactly its own script and style', () => {
    expect(assets.PAGE_SCRIPT_CSP).toBe(cspOf(assets.PAGE_SCRIPT));
    expect(assets.PAGE_STYLE_CSP).toBe(cspOf(assets.PAGE_STYLE));
    expect(assets.WIDGET_SCRIPT_CSP).toBe(cspOf(assets.WIDGET_SCRIPT));
    expect(CONTENT_SECURITY_POLICY).toContain(`script-src ${assets.PAGE_SCRIPT_CSP};`);
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src ${assets.PAGE_STYLE_CSP};`);
  });

  it('is minified, with the widget leaving only its configuration free', () => {
    expect(assets.PAGE_SCRIPT).not.toContain('\n');
    expect(assets.WIDGET_SCRIPT).toContain('__CALLNOW_WIDGET__');
    expect(assets.PAGE_SCRIPT.length).toBeLessThan(6000);
  });
});
