// Debian's Chromium, driven by playwright-core (which downloads no browser of its own).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

// Debian's binary itself first: /usr/bin/chromium is a wrapper script that adds flags of its own.
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
];

export const chromiumPath = CANDIDATES.find((path): path is string => Boolean(path && existsSync(path)));

/** Browser tests run wherever Chromium is installed, and must run in CI (`.ci/run` installs it). */
export const skipBrowserTests = !chromiumPath && !process.env.CI;

export function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
