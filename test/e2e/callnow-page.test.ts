/// <reference lib="dom" />
// A visitor in a real browser: the page, the Call button and the call's progress, with and without JavaScript, for
// every preference of the owner, in two languages, checked with axe-core, with screenshots at 360 px.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATES, type CallState, FAILURE_REASONS } from '../../contracts/call-states.ts';
import { silentLogger } from '../../edge-connector/src/log.ts';
import type { CallNowTarget } from '../../functions/domain/model.ts';
import { CATALOGUES } from '../../functions/public/i18n/index.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { LOOSE_PUBLIC_LIMITS, writeTarget } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { launchChromium, skipBrowserTests } from '../support/chromium.ts';
import { ARTIFACTS, accessibilityProblems, collectProblems } from './browser-support.ts';

/**
 * A number of its own for each call: one call to a number may be under way at a time, so tests must not share one.
 * The simulated network decides by the last four digits; the area code only keeps calls apart.
 */
const AREA_CODES = [
  '202',
  '212',
  '213',
  '305',
  '312',
  '415',
  '617',
  '702',
  '713',
  '718',
  '206',
  '303',
  '404',
  '503',
];
let numbersGiven = 0;
const visitorNumber = (lastFour: string) =>
  `+1 ${AREA_CODES[numbersGiven++ % AREA_CODES.length]} 555 ${lastFour}`;

const en = CATALOGUES.en;
const NUMBER_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The answer to the page's question in words ("what is seven plus three?"), as a screen reader user gives it. */
function answerTo(question: string): string {
  const [, left = '', right = ''] = /what is (\w+) plus (\w+)\?/.exec(question) ?? [];
  return String(NUMBER_WORDS.indexOf(left) + 1 + NUMBER_WORDS.indexOf(right) + 1);
}

/** The Bucharest wall clock `hours` from now, as HH:MM. */
function bucharestTime(hoursFromNow: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Bucharest',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(Date.now() + hoursFromNow * 3600_000);
}

describe.skipIf(skipBrowserTests)('the CallNow page in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let store: DynamoCallNowStore;

  /** A CallNow ID of its own for a test: the demo extension's chain, another extension, the preferences changed. */
  async function addTarget(
    callNowId: string,
    number: string,
    change: (target: CallNowTarget) => void = () => {},
  ) {
    const demo = await store.getCallNowTarget('demo');
    if (!demo) throw new Error('the local stack has no demo CallNow ID');
    const target = structuredClone(demo);
    Object.assign(target.extension, { extensionId: `e2e-${callNowId}`, number });
    Object.assign(target.extension.callNow, { callNowId, askCallerName: false, ringSeconds: 5 });
    change(target);
    await writeTarget(stack.documents, stack.tableName, target);
  }
  const pageUrl = (callNowId: string, query = '') => `${stack.url}/callnow/${callNowId}${query}`;
  async function openPage(url: string, options: BrowserContextOptions = {}) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([
      startLocalStack({
        simulatorTimeScale: 0.2,
        connectorLogger: silentLogger,
        publicLimits: LOOSE_PUBLIC_LIMITS,
      }),
      launchChromium(),
    ]);
    store = new DynamoCallNowStore(stack.documents, stack.tableName);
    await Promise.all([
      addTarget('reasons-101', '101'),
      addTarget('reasons-102', '102'),
      addTarget('reasons-103', '103'),
      addTarget('reasons-104', '104'),
      addTarget('shielded', '101'),
      addTarget('hours', '101', (target) => {
        target.extension.callNow.availability = {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          from: bucharestTime(3),
          to: bucharestTime(4),
          timeZone: 'Europe/Bucharest',
        };
      }),
      addTarget('busy', '107', (target) => {
        target.extension.callNow.notWhileOnPhone = true;
      }),
      addTarget('captcha', '101', (target) => {
        target.extension.callNow.imageValidation = true;
      }),
      addTarget('visitor', '101', (target) => {
        target.extension.callNow.language = 'visitor';
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the call live, step by step, until it ends, with no console or CSP errors, at 360 px', async () => {
    const page = await openPage(stack.demoUrl, { viewport: { width: 360, height: 780 } });
    const problems = collectProblems(page);
    const seen: string[] = [];
    await page.exposeFunction('reportStatus', (status: string) => seen.push(status));
    await page.evaluate(() => {
      const status = document.getElementById('status');
      if (!status) return;
      const { reportStatus } = window as unknown as { reportStatus: (status: string) => void };
      new MutationObserver(() => reportStatus(status.dataset.status ?? '')).observe(status, {
        attributes: true,
        attributeFilter: ['data-status'],
      });
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'callnow-page-360.png'), fullPage: true });

    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Your phone number').fill(visitorNumber('0100'));
    await page.getByRole('button', { name: 'Call' }).click();
    await page.locator('#status[data-status="connected"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'callnow-connected-360.png'), fullPage: true });

    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toBe(en.status_completed);
    expect(seen.filter((status) => status !== '')[0]).toBe('queued');
    expect(seen.at(-1)).toBe('completed');
    const ranks = seen
      .filter((status) => status !== '')
      .map((status) => CALL_STATES.indexOf(status as CallState));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(await page.locator('#steps li.done').count()).toBe(4);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('tells each way a call can fail in its own words: the six the PBX can produce, for real', async () => {
    // Extension 101 is one phone: its three calls go one after another, beside the other extensions'.
    const byExtension = [
      [['reasons-103', visitorNumber('0100'), 'extension_busy']],
      [['reasons-102', visitorNumber('0100'), 'extension_no_answer']],
      [['reasons-104', visitorNumber('0100'), 'extension_declined']],
      [
        ['reasons-101', visitorNumber('0102'), 'visitor_busy'],
        ['reasons-101', visitorNumber('0104'), 'visitor_unreachable'],
        ['reasons-101', visitorNumber('0103'), 'visitor_no_answer'],
      ],
    ] as const;
    const context = await browser.newContext();
    await Promise.all(
      byExtension.map(async (cases) => {
        for (const [callNowId, phoneNumber, reason] of cases) {
          const page = await context.newPage();
          await page.goto(pageUrl(callNowId));
          await page.getByLabel('Your phone number').fill(phoneNumber);
          await page.getByRole('button', { name: 'Call' }).click();
          await page.locator('#status[data-status="failed"]').waitFor({ timeout: 30_000 });
          expect(await page.locator('#status').getAttribute('data-reason')).toBe(reason);
          expect(await page.locator('#status').textContent()).toBe(en[`failure_${reason}`]);
          expect(await page.getByRole('button', { name: 'Call' }).isEnabled()).toBe(true);
        }
      }),
    );
    await context.close();
  });

  it('tells each of the nine failure reasons in its own words, whatever the PBX could produce', async () => {
    const context = await browser.newContext();
    const shown = await Promise.all(
      FAILURE_REASONS.map(async (reason) => {
        const page = await context.newPage();
        await page.route(/\/callnow\/reasons-101\/requests$/, (route) =>
          route.fulfill({ status: 202, json: { requestId: `fake-${reason}`, statusUrl: 'unused' } }),
        );
        await page.route(/\/requests\/fake-/, (route) =>
          route.fulfill({ json: { requestId: `fake-${reason}`, status: 'failed', reason } }),
        );
        await page.goto(pageUrl('reasons-101'));
        await page.getByLabel('Your phone number').fill(visitorNumber('0100'));
        await page.getByRole('button', { name: 'Call' }).click();
        await page.locator('#status[data-status="failed"]').waitFor();
        return page.locator('#status').textContent();
      }),
    );
    expect(shown).toEqual(FAILURE_REASONS.map((reason) => en[`failure_${reason}`]));
    expect(new Set(shown).size).toBe(FAILURE_REASONS.length);
    await context.close();
  });

  it("outside the owner's hours, says when to call in both time zones, and disables Call; the server refuses too", async () => {
    const page = await openPage(pageUrl('hours'), {
      timezoneId: 'America/New_York',
      viewport: { width: 360, height: 780 },
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'callnow-closed-360.png'), fullPage: true });
    expect(await page.locator('#closed').textContent()).toMatch(
      /^Calls are not possible right now\. The next time is \w+day at \d{1,2}:\d\d\s[AP]M \(Europe\/Bucharest time\)\./,
    );
    expect(await page.locator('#local-next').textContent()).toMatch(
      /^That is \w+day at .+ in your time zone\.$/,
    );
    expect(await page.locator('#local-hours').textContent()).toMatch(
      /^That is .+–.+ in your time zone \(America\/New_York\)\.$/,
    );
    expect(await page.getByRole('button', { name: 'Call' }).isDisabled()).toBe(true);
    const status = await page.evaluate(async () => {
      const response = await fetch('/callnow/hours/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+12025550100' }),
      });
      return response.status;
    });
    expect(status).toBe(409);
    await page.context().close();
  });

  it('says the owner is on another call while their phone is in use, and lets the visitor try again', async () => {
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    await store.putExtensionPresence({ siteId: 'hq', extension: '107', state: 'in_use', at: at(0) });
    const page = await openPage(pageUrl('busy'));
    expect(await page.locator('#busy').textContent()).toContain(en.ownerBusy);
    expect(await page.getByRole('button', { name: 'Call' }).isDisabled()).toBe(true);

    await store.putExtensionPresence({ siteId: 'hq', extension: '107', state: 'idle', at: at(1) });
    await page.getByRole('link', { name: en.checkAgain }).click();
    await page.waitForLoadState();
    expect(await page.locator('#busy').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Call' }).isEnabled()).toBe(true);
    await page.context().close();
  });

  it('shows a new picture on request, refuses a wrong answer with another, keeps the number, then calls', async () => {
    const page = await openPage(pageUrl('captcha'), { viewport: { width: 360, height: 780 } });
    const problems = collectProblems(page);
    const shownFirst = await page.locator('#captcha-image').getAttribute('src');
    const idOf = () => page.locator('input[name="captchaId"]').inputValue();
    const firstId = await idOf();
    await page.getByRole('link', { name: en.captchaRefresh }).click();
    await expect.poll(idOf).not.toBe(firstId);
    expect(page.url()).toBe(pageUrl('captcha'));
    const firstImage = await page.locator('#captcha-image').getAttribute('src');
    expect(firstImage).not.toBe(shownFirst);
    const typed = visitorNumber('0100');
    await page.getByLabel('Your phone number').fill(typed);
    await page.getByLabel(en.captchaLabel).fill('wrong');
    await page.getByRole('button', { name: 'Call' }).click();

    await page.locator('#captcha-error:not([hidden])').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'callnow-captcha-360.png'), fullPage: true });
    expect(await page.locator('#captcha-error').textContent()).toBe(en.error_captcha_failed);
    expect(await page.locator('#captcha-image').getAttribute('src')).not.toBe(firstImage);
    expect(await page.getByLabel(en.captchaLabel).inputValue()).toBe('');
    expect(await page.getByLabel('Your phone number').inputValue()).toBe(typed);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('captcha');

    // A screen reader user answers the question in words instead of the picture.
    const question = (await page.locator('#captcha-question').textContent()) ?? '';
    await page.getByLabel(en.captchaLabel).fill(answerTo(question));
    await page.getByRole('button', { name: 'Call' }).click();
    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('accepts a CAPTCHA answer once only, even from requests racing each other', async () => {
    const fresh = await fetch(`${pageUrl('captcha')}/captcha`, { headers: { accept: 'application/json' } });
    const { challengeId, question } = (await fresh.json()) as { challengeId: string; question: string };
    const post = () =>
      fetch(`${pageUrl('captcha')}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phoneNumber: visitorNumber('0102'),
          captchaId: challengeId,
          captcha: answerTo(question),
        }),
      });
    const answers = await Promise.all([post(), post(), post()]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 400, 400]);
  });

  it('asks for the picture once the page comes under attack, even when it was opened before', async () => {
    const page = await openPage(pageUrl('shielded'));
    expect(await page.locator('#captcha').count()).toBe(0);
    await store.raiseShield('shielded', new Date(Date.now() + 3_600_000).toISOString());
    await page.getByLabel('Your phone number').fill(visitorNumber('0100'));
    await page.getByRole('button', { name: 'Call' }).click();
    await page.locator('#captcha-image').waitFor();
    expect(await page.getByLabel(en.captchaLabel).isVisible()).toBe(true);
    await page.context().close();
  });

  it('works without JavaScript: the form posts and the status page refreshes until the call ends', async () => {
    const page = await openPage(stack.demoUrl, { javaScriptEnabled: false });
    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Your phone number').fill(visitorNumber('0102'));
    await page.getByRole('button', { name: 'Call' }).click();

    await page.waitForURL(/\/callnow\/demo\/requests\/[0-9a-f-]{36}\?lang=en$/);
    await page.locator('#status[data-status="failed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').getAttribute('data-reason')).toBe('visitor_busy');
    expect(await page.locator('#status').textContent()).toBe(en.failure_visitor_busy);
    await page.context().close();
  });

  it("speaks the browser's language, and another one picked on the page, through the whole call", async () => {
    const page = await openPage(pageUrl('visitor'), { locale: 'de-DE' });
    expect(await page.locator('h1').textContent()).toBe('Alex Demo anrufen');
    await page.getByLabel('Sprache').selectOption('ja');
    await page.getByRole('button', { name: 'Ändern' }).click();
    await page.waitForURL(/\?lang=ja$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await page.getByLabel('お電話番号').fill(visitorNumber('0100'));
    await page.getByRole('button', { name: '電話する' }).click();
    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toBe(CATALOGUES.ja.status_completed);
    await page.context().close();
  });

  it('sends the cancel of a request not dialled yet, says it is cancelling, then that it was cancelled', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let status = { requestId: 'fake-cancel', status: 'queued' } as Record<string, string>;
    const cancels: string[] = [];
    await page.route(/\/callnow\/reasons-101\/requests$/, (route) =>
      route.fulfill({ status: 202, json: { requestId: 'fake-cancel', statusUrl: 'unused' } }),
    );
    await page.route(/\/callnow\/reasons-101\/requests\/fake-cancel$/, (route) => {
      if (route.request().method() === 'DELETE') {
        cancels.push(new URL(route.request().url()).pathname);
        return route.fulfill({ status: 202, json: { requestId: 'fake-cancel', cancelling: true } });
      }
      return route.fulfill({ json: status });
    });
    await page.goto(pageUrl('reasons-101'));
    await page.getByLabel('Your phone number').fill(visitorNumber('0100'));
    await page.getByRole('button', { name: 'Call' }).click();
    await page.getByRole('button', { name: en.cancelButton }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe(en.cancelling);
    expect(cancels).toEqual(['/callnow/reasons-101/requests/fake-cancel']);

    status = { requestId: 'fake-cancel', status: 'failed', reason: 'rejected' };
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe(en.cancelled);
    await context.close();
  });

  it('has no serious accessibility problems (axe-core), fits 320 px, and shows where the focus is', async () => {
    const request = async (phoneNumber: string) => {
      const posted = await fetch(`${stack.demoUrl}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber, callerName: 'Grace' }),
      });
      return ((await posted.json()) as { requestId: string }).requestId;
    };
    const [going, ended] = await Promise.all([
      request(visitorNumber('0103')),
      request(visitorNumber('0102')),
    ]);
    await expect
      .poll(async () => (await (await fetch(`${stack.demoUrl}/requests/${ended}`)).json()).status, {
        timeout: 10_000,
      })
      .toBe('failed');
    // The live status page (without JavaScript) reloads itself every few seconds, which would cut an axe run
    // short: it is checked as the visitor sees it after "Stop updating", which changes nothing else on it.
    const pages = [
      ['the demo page', stack.demoUrl],
      ['outside the hours', pageUrl('hours')],
      ['with a CAPTCHA', pageUrl('captcha')],
      ['in Japanese, with the language selector', pageUrl('visitor', '?lang=ja')],
      ['the status page while the call goes on', `${stack.demoUrl}/requests/${going}?lang=en&live=0`],
      ['the status page once the call ended', `${stack.demoUrl}/requests/${ended}?lang=en`],
      ['the page again after a form post with an error', stack.demoUrl],
    ] as const;
    const found: string[] = [];
    for (const [name, url] of pages) {
      // axe-core is injected as a script: only a context that bypasses the page's CSP lets it run.
      const page = await openPage(url, { viewport: { width: 320, height: 640 }, bypassCSP: true });
      if (name.startsWith('the page again')) {
        await page.getByLabel('Your name').fill('Grace');
        await page.getByLabel('Your phone number').fill('555');
        // A native submit, as a browser without JavaScript sends it.
        await Promise.all([
          page.waitForURL(/\/requests$/),
          page.evaluate(() => HTMLFormElement.prototype.submit.call(document.getElementById('call-form'))),
        ]);
        expect(await page.getByLabel('Your phone number').getAttribute('aria-invalid')).toBe('true');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('phoneNumber');
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(320);
      found.push(...(await accessibilityProblems(page)).map((problem) => `${name}: ${problem}`));
      if (name === 'the demo page') {
        await page.keyboard.press('Tab');
        const outline = await page.evaluate(() => {
          const focused = document.activeElement;
          return focused ? getComputedStyle(focused).outlineStyle : 'none';
        });
        expect(outline).toBe('solid');
      }
      await page.context().close();
    }
    expect(found).toEqual([]);
  });
});
