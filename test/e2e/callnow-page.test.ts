/// <reference lib="dom" />
// A visitor in a real browser: the page, the Call button, and the call's progress, with and without JavaScript.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATES, type CallState } from '../../contracts/call-states.ts';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { launchChromium, skipBrowserTests } from '../support/chromium.ts';

describe.skipIf(skipBrowserTests)('the CallNow page in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({ simulatorTimeScale: 0.2, connectorLogger: silentLogger }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the call live, step by step, until it ends, with no console or CSP errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(stack.demoUrl);
    await page.exposeFunction('reportStatus', (status: string) => seen.push(status));
    const seen: string[] = [];
    await page.evaluate(() => {
      const status = document.getElementById('status');
      if (!status) return;
      new MutationObserver(() => {
        const report = (window as unknown as { reportStatus: (status: string) => void }).reportStatus;
        report(status.dataset.status ?? '');
      }).observe(status, { attributes: true, attributeFilter: ['data-status'] });
    });

    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Your phone number').fill('(202) 555-0100');
    await page.getByRole('button', { name: 'Call' }).click();

    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toBe('The call has ended. Thank you for calling.');
    expect(seen[0]).toBe('queued');
    expect(seen.at(-1)).toBe('completed');
    const ranks = seen.map((status) => CALL_STATES.indexOf(status as CallState));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(await page.locator('#steps li.done').count()).toBe(4);
    expect(problems).toEqual([]);
  });

  it('tells the visitor, on the page, why a number cannot be called', async () => {
    const page = await browser.newPage();
    await page.goto(stack.demoUrl);
    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Your phone number').fill('555');
    await page.getByRole('button', { name: 'Call' }).click();
    await expect
      .poll(() => page.locator('#status').textContent())
      .toBe('phoneNumber is not a valid phone number');
    expect(await page.getByRole('button', { name: 'Call' }).isEnabled()).toBe(true);
  });

  it('works without JavaScript: the form posts and the status page refreshes until the call ends', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(stack.demoUrl);
    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Your phone number').fill('+1 202 555 0102');
    await page.getByRole('button', { name: 'Call' }).click();

    await page.waitForURL(/\/callnow\/demo\/requests\/[0-9a-f-]{36}$/);
    await page.locator('#status[data-status="failed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').getAttribute('data-reason')).toBe('visitor_busy');
    expect(await page.locator('#status').textContent()).toBe('Your line was busy when we called.');
    await context.close();
  });
});
