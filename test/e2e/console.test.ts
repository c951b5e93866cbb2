/// <reference lib="dom" />
// The console in a real browser, as its people use it: the admin sets the server up and hands a reseller, a client
// and an extension their numbers and logins through the screens; the owner turns CallNow on, opens the page it
// shows, places a call on the simulated PBX and follows it in Calls; a client user is kept to their own client;
// forms without their token are refused; axe finds nothing on any screen at 360 px and at 1280 px.

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { DEFAULT_SERVER_SETTINGS } from '../../functions/domain/defaults.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { LOOSE_PUBLIC_LIMITS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { launchChromium, skipBrowserTests } from '../support/chromium.ts';
import { ARTIFACTS, accessibilityProblems, collectProblems } from './browser-support.ts';

const OWNER = { username: 'ana.owner', password: 'ana-password-1' };
const CLIENT_USER = { username: 'bolt.user', password: 'bolt-password-1' };
const VISITOR_NUMBER = '+1 415 555 0100';

/** The UTC wall clock `hours` from now, as HH:MM. */
const utcTime = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString().slice(11, 16);

describe.skipIf(skipBrowserTests)('the console in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  /** Every screen visited, by name, for the axe sweep and the screenshots: [name, path, who]. */
  const screens: Array<[string, string, 'admin' | 'owner']> = [];
  const ids = { resellerId: '', clientId: '', extensionId: '', otherExtensionId: '' };

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('dialog', (dialog) => dialog.accept());
    return { page, problems: collectProblems(page) };
  }

  /** Opens `path`, which sends whoever is logged out to the login page, and logs in: back to `path`. */
  async function logIn(page: Page, username: string, password: string, path = '/console') {
    await page.goto(`${stack.url}${path}`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/console/login'));
  }

  const idIn = (page: Page, kind: string) => {
    const found = new RegExp(`/console/${kind}/([^/?]+)`).exec(new URL(page.url()).pathname);
    if (!found?.[1]) throw new Error(`no ${kind} id in ${page.url()}`);
    return found[1];
  };
  const saved = (page: Page) => page.getByRole('status').filter({ hasText: /Saved|Added|login was added/ });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([
      startLocalStack({
        simulatorTimeScale: 0.2,
        simulatorExtensions: { '301': { kind: 'answers', key: '0' } },
        connectorLogger: silentLogger,
        publicLimits: LOOSE_PUBLIC_LIMITS,
      }),
      launchChromium(),
    ]);
    // A fresh server has the Call API off; the demo turned it on.
    const management = new DynamoManagementStore(stack.documents, stack.tableName, { siteIds: ['hq'] });
    const settings = (await management.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS;
    await management.putServerSettings({ ...settings, callApiEnabled: false }, settings.adminPasswordHash);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the admin sets up the server, a reseller, a client, an extension and the logins through the screens', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${stack.url}/console/resellers`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-login.png'), fullPage: true });
    await logIn(page, stack.admin.username, stack.admin.password, '/console/resellers');
    expect(new URL(page.url()).pathname).toBe('/console/resellers');
    await expect(page.getByRole('link', { name: 'Demo Reseller' }).count()).resolves.toBe(1);

    await page.getByRole('link', { name: 'System preferences' }).first().click();
    await expect(page.getByRole('heading', { name: 'Call API' }).count()).resolves.toBe(1);
    await page.getByLabel('Enable Call API').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await saved(page).waitFor();
    expect(await page.getByLabel('Enable Call API').isChecked()).toBe(true);

    await page.goto(`${stack.url}/console/resellers`);
    await page.getByRole('link', { name: 'Add a reseller' }).click();
    await page.getByLabel('Name').fill('Acme');
    await page.getByRole('button', { name: 'Add the reseller' }).click();
    await page.getByRole('heading', { name: 'Permissions and Phone Numbers of reseller Acme' }).waitFor();
    ids.resellerId = idIn(page, 'resellers');
    await page.getByLabel('Call API Management').check();
    await page.getByLabel(/Extension numbers/).fill('hq 300-399');
    await page.getByLabel(/Caller IDs/).fill('+12025550150\n+12025550151');
    await page.getByRole('button', { name: 'Save' }).click();
    await saved(page).waitFor();
    expect(await page.getByLabel(/Extension numbers/).inputValue()).toBe('hq 300-399');

    // A range the reseller does not hold is refused at its field, in words.
    await page.goto(`${stack.url}/console/clients/new?resellerId=${ids.resellerId}`);
    await page.getByLabel('Name').fill('Bolt');
    await page.getByRole('button', { name: 'Add the client' }).click();
    await page.getByRole('heading', { name: 'Permissions and Phone Numbers of client Bolt' }).waitFor();
    ids.clientId = idIn(page, 'clients');
    await page.getByLabel(/Extension numbers/).fill('hq 150-160');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByLabel(/Extension numbers/).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Call API Management').check();
    await page.getByLabel(/Extension numbers/).fill('hq 300-349');
    await page.getByLabel(/Caller IDs/).fill('+12025550150');
    await page.getByRole('button', { name: 'Save' }).click();
    await saved(page).waitFor();

    await page.goto(`${stack.url}/console/extensions/new?clientId=${ids.clientId}`);
    await page.getByLabel('Extension number').fill('301');
    await page.getByLabel("Owner's name").fill('Ana Owner');
    await page.getByLabel('Call API access').check();
    await page.getByLabel('Call API Management').check();
    await page.getByRole('button', { name: 'Add the extension' }).click();
    await page.getByRole('heading', { name: 'Extension 301' }).waitFor();
    ids.extensionId = idIn(page, 'extensions');
    await page.getByLabel('New username').fill(OWNER.username);
    await page.getByLabel(/Its password/).fill(OWNER.password);
    await page.getByRole('button', { name: 'Add the login' }).click();
    await saved(page).waitFor();
    await expect(page.getByRole('cell', { name: OWNER.username, exact: true }).count()).resolves.toBe(1);

    await page.goto(`${stack.url}/console/clients/${ids.clientId}`);
    await page.getByLabel('New username').fill(CLIENT_USER.username);
    await page.getByLabel(/Its password/).fill(CLIENT_USER.password);
    await page.getByRole('button', { name: 'Add the login' }).click();
    await saved(page).waitFor();

    // Another client of the reseller, with an extension the first client's user must not see.
    await page.goto(`${stack.url}/console/clients/new?resellerId=${ids.resellerId}`);
    await page.getByLabel('Name').fill('Other');
    await page.getByRole('button', { name: 'Add the client' }).click();
    await page.getByRole('heading', { name: 'Permissions and Phone Numbers of client Other' }).waitFor();
    await page.getByLabel(/Extension numbers/).fill('hq 350-359');
    await page.getByRole('button', { name: 'Save' }).click();
    await saved(page).waitFor();
    await page.goto(`${stack.url}/console/extensions/new?clientId=${idIn(page, 'clients')}`);
    await page.getByLabel('Extension number').fill('350');
    await page.getByLabel("Owner's name").fill('Olaf Other');
    await page.getByRole('button', { name: 'Add the extension' }).click();
    await page.getByRole('heading', { name: 'Extension 350' }).waitFor();
    ids.otherExtensionId = idIn(page, 'extensions');

    // The extension's CallNow cannot be turned on while a link of the chain is missing, and the page says which.
    await page.goto(`${stack.url}/console/extensions/${ids.otherExtensionId}/callnow`);
    expect(await page.getByRole('note').textContent()).toContain(
      'CallNow cannot be enabled: Call API Management is off for client Other',
    );

    screens.push(
      ['home', '/console', 'admin'],
      ['system', '/console/system', 'admin'],
      ['resellers', '/console/resellers', 'admin'],
      ['reseller', `/console/resellers/${ids.resellerId}`, 'admin'],
      ['reseller-permissions', `/console/resellers/${ids.resellerId}/permissions`, 'admin'],
      ['clients', `/console/clients?resellerId=${ids.resellerId}`, 'admin'],
      ['client', `/console/clients/${ids.clientId}`, 'admin'],
      ['client-permissions', `/console/clients/${ids.clientId}/permissions`, 'admin'],
      ['extensions', `/console/extensions?clientId=${ids.clientId}`, 'admin'],
      ['extension-new', `/console/extensions/new?clientId=${ids.clientId}`, 'admin'],
      ['extension', `/console/extensions/${ids.extensionId}`, 'admin'],
      ['api-keys', '/console/api-keys', 'admin'],
    );
    expect(problems).toEqual([]);
  });

  it('the owner turns CallNow on, opens the page it shows, calls, and sees the call end in Calls', async () => {
    const { page, problems } = await newPage();
    await logIn(page, OWNER.username, OWNER.password);
    expect(new URL(page.url()).pathname).toBe(`/console/extensions/${ids.extensionId}`);
    await page.getByRole('link', { name: 'CallNow', exact: true }).click();
    await page.getByRole('heading', { name: 'CallNow Preferences' }).waitFor();
    await page.getByLabel('Allow people to call me').check();
    await page.getByLabel('Available only in a time interval').check();
    for (const day of ['Saturday', 'Sunday']) await page.getByLabel(day).check();
    await page.getByLabel('From', { exact: true }).fill(utcTime(-1));
    await page.getByLabel('To', { exact: true }).fill(utcTime(2));
    await page.getByLabel('Time zone').selectOption('UTC');
    await page.getByLabel(/Ask me to confirm/).check();
    await page.getByLabel("Ask for the caller's name").uncheck();
    await page.getByRole('button', { name: 'OK' }).click();
    await saved(page).waitFor();

    const publicUrl = await page.locator('#public-url').getAttribute('href');
    expect(publicUrl).toMatch(new RegExp(`^${stack.url}/callnow/[A-Za-z0-9_-]+$`));
    expect(await page.getByLabel(/"Call Now" button/).inputValue()).toContain(`href="${publicUrl}"`);
    expect(await page.getByLabel(/The widget/).inputValue()).toContain(`${publicUrl}/widget.js`);
    expect(await page.getByRole('img', { name: `QR code of ${publicUrl}` }).count()).toBe(1);
    await expect(page.getByLabel('Monday').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel(/Ask me to confirm/).isChecked()).resolves.toBe(true);

    await page.locator('#public-url').click();
    await page.waitForURL(publicUrl ?? '');
    await page.getByLabel('Your phone number').fill(VISITOR_NUMBER);
    await page.getByRole('button', { name: 'Call' }).click();
    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 30_000 });

    await page.goto(`${stack.url}/console/extensions/${ids.extensionId}/calls`);
    const row = page.getByRole('row').filter({ hasText: '+1********00' });
    await expect(row.count()).resolves.toBe(1);
    expect(await row.textContent()).toContain('Ended after talking');
    // The owner's console is their extension: the client's calls are not theirs to see.
    const clientCalls = await page.goto(`${stack.url}/console/clients/${ids.clientId}/calls`);
    expect(clientCalls?.status()).toBe(404);

    screens.push(
      ['owner-extension', `/console/extensions/${ids.extensionId}`, 'owner'],
      ['owner-callnow', `/console/extensions/${ids.extensionId}/callnow`, 'owner'],
      ['owner-calls', `/console/extensions/${ids.extensionId}/calls`, 'owner'],
      ['owner-password', '/console/password', 'owner'],
    );
    expect(problems).toEqual([]);
  }, 60_000);

  it("a client user sees their client's extensions and not another client's (404)", async () => {
    const { page } = await newPage();
    await logIn(page, CLIENT_USER.username, CLIENT_USER.password);
    expect(new URL(page.url()).pathname).toBe(`/console/clients/${ids.clientId}`);
    const own = await page.goto(`${stack.url}/console/extensions/${ids.extensionId}`);
    expect(own?.status()).toBe(200);
    for (const other of [
      `/console/extensions/${ids.otherExtensionId}`,
      `/console/extensions/${ids.otherExtensionId}/callnow`,
    ]) {
      const response = await page.goto(`${stack.url}${other}`);
      expect(response?.status()).toBe(404);
      expect(await page.textContent('main')).not.toContain('Olaf Other');
    }
    const calls = await page.goto(`${stack.url}/console/clients/${ids.clientId}/calls`);
    expect(calls?.status()).toBe(200);
    expect(await page.getByRole('row').filter({ hasText: '301' }).count()).toBeGreaterThan(0);
  });

  it('the admin adds a webhook for one extension, copies its secret once, sends it a test event and reads its delivery', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm`;
      const { page, problems } = await newPage();
      await logIn(page, stack.admin.username, stack.admin.password, `/console/clients/${ids.clientId}`);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('Address').fill(url);
      await page.getByLabel('Calls of').selectOption(ids.extensionId);
      await page.getByRole('button', { name: 'Add' }).click();
      const secret = (await page.locator('#new-key').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      await page.goto(`${stack.url}/console/clients/${ids.clientId}/webhooks`);
      expect(await page.textContent('main')).not.toContain(secret);
      expect(await page.getByRole('row').filter({ hasText: url }).textContent()).toContain('301');
      await page.getByRole('link', { name: url }).click();
      await page.getByRole('button', { name: 'Send a test event' }).click();
      await page.getByRole('status').filter({ hasText: 'A test event was sent' }).waitFor();
      expect(await page.getByRole('row').nth(1).textContent()).toContain('204');
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0] ?? '{}')).toMatchObject({
        test: true,
        state: 'completed',
        clientId: ids.clientId,
        extensionId: ids.extensionId,
      });
      screens.push(['webhooks', `/console/clients/${ids.clientId}/webhooks`, 'admin']);
      expect(problems).toEqual([]);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });

  it("refuses a form posted without its CSRF token, or with another session's", async () => {
    const { page } = await newPage();
    await logIn(page, OWNER.username, OWNER.password);
    const action = `${stack.url}/console/extensions/${ids.extensionId}/callnow`;
    const form = { allowCalls: '', callNowId: 'taken-over', language: 'en', message: '', ringSeconds: '30' };
    const without = await page.request.post(action, { form });
    expect(without.status()).toBe(403);
    expect(await without.text()).toContain('not sent by this console session');
    const other = await page.request.post(action, { form: { ...form, csrf: 'x'.repeat(43) } });
    expect(other.status()).toBe(403);
    await page.goto(action);
    expect(await page.getByLabel('Allow people to call me').isChecked()).toBe(true);
    expect(await page.getByLabel('CallNow ID').inputValue()).not.toBe('taken-over');
  });

  it('axe finds nothing on any screen at 360 px and at 1280 px; each is kept as a screenshot', async () => {
    const found: string[] = [];
    for (const who of ['admin', 'owner'] as const) {
      const login = who === 'admin' ? stack.admin : OWNER;
      for (const width of [360, 1280]) {
        const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 800 } });
        const page = await context.newPage();
        await logIn(page, login.username, login.password);
        for (const [name, screenPath] of screens.filter(([, , owner]) => owner === who)) {
          await page.goto(`${stack.url}${screenPath}`);
          found.push(
            ...(await accessibilityProblems(page, { all: true })).map(
              (problem) => `${name} @${width}: ${problem}`,
            ),
          );
          await page.screenshot({
            path: path.join(ARTIFACTS, `console-${name}-${width}.png`),
            fullPage: true,
          });
        }
      }
    }
    expect(screens.length).toBeGreaterThan(12);
    expect(found).toEqual([]);
  }, 120_000);
});
