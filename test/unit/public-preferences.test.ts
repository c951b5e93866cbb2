// Every CallNow preference, honoured on the page and again by the server: hours, "not while on the phone",
// confirmation, the caller's name, the owner's message, image validation and language.
import { describe, expect, it, vi } from 'vitest';
import { PRESENCE_FRESH_SECONDS } from '../../functions/domain/call-requests.ts';
import { CAPTCHA_LIFETIME_SECONDS } from '../../functions/domain/captcha.ts';
import type { Availability } from '../../functions/domain/model.ts';
import { attribute, NOW, publicHarness, ROUTES } from './public-harness.ts';

const OFFICE_HOURS: Pick<Availability, 'days' | 'timeZone'> = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timeZone: 'Europe/Bucharest',
};
const callButton = (html: string) =>
  /<button type="submit" class="call" id="call"[^>]*>/.exec(html)?.[0] ?? '';

describe('available only in a time interval', () => {
  it('shows the hours in the owner zone, with the open window as instants for the visitor zone', async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.availability = { ...OFFICE_HOURS, from: '09:00', to: '17:00' };
    });
    const { body } = await page();
    expect(body).toContain('Available Monday to Friday, 9:00 AM–5:00 PM, Europe/Bucharest time.');
    // Thursday 09:00-17:00 in Bucharest (UTC+2 in November).
    expect(attribute(body, /<span id="local-hours"[^>]*>/, 'data-start')).toBe('2026-11-26T07:00:00.000Z');
    expect(attribute(body, /<span id="local-hours"[^>]*>/, 'data-end')).toBe('2026-11-26T15:00:00.000Z');
    expect(callButton(body)).not.toContain('disabled');
    expect(body).not.toContain('id="closed"');
  });

  it('says when the owner can next be called, and disables the Call button, outside the interval', async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.availability = { ...OFFICE_HOURS, from: '13:00', to: '17:00' };
    });
    const { body } = await page();
    expect(body).toContain(
      'Calls are not possible right now. The next time is Thursday at 1:00 PM (Europe/Bucharest time).',
    );
    expect(callButton(body)).toContain('disabled aria-describedby="closed"');
    expect(attribute(body, /<span id="local-hours"[^>]*>/, 'data-start')).toBe('2026-11-26T11:00:00.000Z');
  });

  it('refuses a request outside the interval, as JSON (409) and as a form (the page again, with the reason)', async () => {
    const { postJson, postForm, json, sent, store } = publicHarness((target) => {
      target.extension.callNow.availability = { ...OFFICE_HOURS, from: '13:00', to: '17:00' };
    });
    const refused = await postJson({ phoneNumber: '+12025550100' });
    expect(refused.statusCode).toBe(409);
    expect(json(refused).error.code).toBe('outside_availability');
    const form = await postForm('phoneNumber=%2B12025550100');
    expect(form.statusCode).toBe(409);
    expect(form.body).toContain('Calls are not possible at this time of day.');
    expect(form.body).toContain('value="+12025550100"');
    expect(sent).toEqual([]);
    expect(store.requests.size).toBe(0);
  });
});

describe('not while I am on the phone', () => {
  const onThePhone = (ageSeconds: number, state: 'in_use' | 'idle' = 'in_use') => ({
    siteId: 'hq',
    extension: '101',
    state,
    at: new Date(NOW.getTime() - ageSeconds * 1000).toISOString(),
  });

  it('says the owner is on another call, offers to try again, and refuses the request with 409', async () => {
    const harness = publicHarness((target) => {
      target.extension.callNow.notWhileOnPhone = true;
    });
    await harness.store.putExtensionPresence(onThePhone(30));
    const { body } = await harness.page();
    expect(body).toContain('They are on another call right now. Please try again in a few minutes.');
    expect(body).toMatch(/<a href="\/callnow\/demo">Try again<\/a>/);
    expect(callButton(body)).toContain('disabled aria-describedby="busy"');

    const refused = await harness.postJson({ phoneNumber: '+12025550100' });
    expect(refused.statusCode).toBe(409);
    expect(harness.json(refused).error.code).toBe('owner_busy');
    expect(harness.sent).toEqual([]);
  });

  it.each([
    ['older than a few minutes, as unknown', onThePhone(PRESENCE_FRESH_SECONDS + 1)],
    ['idle', onThePhone(30, 'idle')],
  ])(
    'takes presence %s: the call goes ahead, and tells the connector not to ring a busy phone',
    async (_, presence) => {
      const harness = publicHarness((target) => {
        target.extension.callNow.notWhileOnPhone = true;
      });
      await harness.store.putExtensionPresence(presence);
      expect(await harness.page().then(({ body }) => body)).not.toContain('id="busy"');
      expect((await harness.postJson({ phoneNumber: '+12025550100' })).statusCode).toBe(202);
      expect(harness.sent[0]).toMatchObject({ type: 'call.requested', notWhileOnPhone: true });
    },
  );

  it('reads no presence at all when the owner did not ask', async () => {
    const harness = publicHarness();
    await harness.store.putExtensionPresence(onThePhone(30));
    const read = vi.spyOn(harness.store, 'getExtensionPresence');
    await harness.page();
    expect((await harness.postJson({ phoneNumber: '+12025550100' })).statusCode).toBe(202);
    expect(read).not.toHaveBeenCalled();
  });
});

describe('confirmation before connecting', () => {
  it.each([
    [true, 'They confirm that they can talk, and then we call you'],
    [false, 'As soon as they answer, we call you'],
  ])('when %s, says so on the page and tells the connector', async (confirm, sentence) => {
    const harness = publicHarness((target) => {
      target.extension.callNow.confirm = confirm;
    });
    expect((await harness.page()).body).toContain(sentence);
    await harness.postJson({ phoneNumber: '+12025550100' });
    expect(harness.sent[0]).toMatchObject({ type: 'call.requested', confirm });
  });
});

describe("the caller's name and the owner's message", () => {
  it('requires the name when the owner asks for it, and passes it on', async () => {
    const harness = publicHarness((target) => {
      target.extension.callNow.askCallerName = true;
    });
    const missing = await harness.postJson({ phoneNumber: '+12025550100' });
    expect(missing.statusCode).toBe(400);
    expect(harness.json(missing).error).toMatchObject({
      code: 'caller_name_required',
      fields: { callerName: ['callerName is required'] },
    });
    const form = await harness.postForm('phoneNumber=%2B12025550100&callerName=');
    expect(form.body).toContain('<p class="error" id="callerName-error">Please type your name.</p>');
    expect(form.body).toMatch(
      /<input id="callerName"[^>]*aria-describedby="callerName-error" aria-invalid="true"/,
    );
    expect((await harness.postJson({ phoneNumber: '+12025550100', callerName: 'Grace' })).statusCode).toBe(
      202,
    );
    expect(harness.sent[0]).toMatchObject({ visitor: { name: 'Grace' }, callerIdName: 'CallNow: Grace' });
  });

  it("shows the owner's message as text, never as markup", async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.message = 'Hi <img src=x onerror=alert(1)> & "welcome"';
    });
    const { body } = await page();
    expect(body).toContain('Hi &#60;img src=x onerror=alert(1)&#62; &#38; &#34;welcome&#34;');
    expect(body).not.toContain('<img src=x');
  });
});

describe('image validation', () => {
  const captchaHarness = () =>
    publicHarness((target) => {
      target.extension.callNow.imageValidation = true;
    });
  const challengeOf = (html: string) =>
    attribute(html, /<input type="hidden" name="captchaId"[^>]*>/, 'value');

  it('shows a picture, its question in words for screen readers, a refresh link, and stores the challenge', async () => {
    const { page, store } = captchaHarness();
    const { body } = await page();
    expect(body).toMatch(
      /<img id="captcha-image" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="[^"]+"/,
    );
    expect(body).toContain('Or answer this question: what is one plus one? Type the answer in digits.');
    expect(body).toMatch(/<input id="captcha"[^>]*aria-describedby="captcha-question captcha-error"/);
    expect(body).toContain('id="captcha-refresh" href="/callnow/demo" data-url="/callnow/demo/captcha"');
    const challengeId = challengeOf(body) ?? '';
    expect(store.captchas.get(challengeId)).toEqual({
      challengeId,
      callNowId: 'demo',
      answers: ['aaaaa', '2'],
      expiresAt: new Date(NOW.getTime() + CAPTCHA_LIFETIME_SECONDS * 1000).toISOString(),
    });
  });

  it('accepts the characters whatever their case, or the answer to the question', async () => {
    const harness = captchaHarness();
    const first = challengeOf((await harness.page()).body);
    const second = challengeOf((await harness.page()).body);
    const byPicture = await harness.postJson({
      phoneNumber: '+12025550100',
      captchaId: first,
      captcha: ' aAaAa ',
    });
    expect(byPicture.statusCode).toBe(202);
    const byQuestion = await harness.postJson({
      phoneNumber: '+12025550101',
      captchaId: second,
      captcha: '２',
    });
    expect(byQuestion.statusCode).toBe(202);
    expect(harness.sent).toHaveLength(2);
  });

  it('refuses a wrong answer with a new picture, and uses the challenge up', async () => {
    const harness = captchaHarness();
    const challengeId = challengeOf((await harness.page()).body);
    const wrong = await harness.postJson({
      phoneNumber: '+12025550100',
      captchaId: challengeId,
      captcha: 'bbbbb',
    });
    expect(wrong.statusCode).toBe(400);
    const { error, captcha } = harness.json(wrong);
    expect(error).toMatchObject({ code: 'captcha_failed', fields: { captcha: [expect.any(String)] } });
    expect(captcha).toMatchObject({
      challengeId: expect.not.stringMatching(challengeId ?? ''),
      image: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
      question: 'Or answer this question: what is one plus one? Type the answer in digits.',
    });
    const again = await harness.postJson({
      phoneNumber: '+12025550100',
      captchaId: challengeId,
      captcha: 'aaaaa',
    });
    expect(again.statusCode).toBe(400);
    expect(harness.sent).toEqual([]);
  });

  it('refuses a missing answer, an expired challenge and a challenge of another CallNow ID', async () => {
    const harness = captchaHarness();
    expect((await harness.postJson({ phoneNumber: '+12025550100' })).statusCode).toBe(400);
    const late = challengeOf((await harness.page()).body);
    harness.clock.now.mockReturnValue(new Date(NOW.getTime() + CAPTCHA_LIFETIME_SECONDS * 1000));
    expect(
      (await harness.postJson({ phoneNumber: '+12025550100', captchaId: late, captcha: '2' })).statusCode,
    ).toBe(400);
    harness.clock.now.mockReturnValue(NOW);
    const elsewhere = challengeOf((await harness.page()).body) ?? '';
    const challenge = harness.store.captchas.get(elsewhere);
    if (challenge) harness.store.captchas.set(elsewhere, { ...challenge, callNowId: 'other' });
    expect(
      (await harness.postJson({ phoneNumber: '+12025550100', captchaId: elsewhere, captcha: '2' }))
        .statusCode,
    ).toBe(400);
    expect(harness.sent).toEqual([]);
  });

  it('keeps the challenge when the phone number is wrong, so the visitor only fixes the number', async () => {
    const harness = captchaHarness();
    const challengeId = challengeOf((await harness.page()).body);
    const typo = await harness.postJson({ phoneNumber: '555', captchaId: challengeId, captcha: 'aaaaa' });
    expect(harness.json(typo).error.code).toBe('invalid_phone_number');
    const fixed = await harness.postJson({
      phoneNumber: '+12025550100',
      captchaId: challengeId,
      captcha: 'aaaaa',
    });
    expect(fixed.statusCode).toBe(202);
  });

  it('without JavaScript, a wrong answer shows the page again with a new picture and what the visitor typed', async () => {
    const harness = publicHarness((target) => {
      Object.assign(target.extension.callNow, { imageValidation: true, askCallerName: true });
    });
    const challengeId = challengeOf((await harness.page()).body) ?? '';
    const response = await harness.postForm(
      `callerName=Grace&phoneNumber=%2B12025550100&captchaId=${challengeId}&captcha=nope`,
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('value="Grace"');
    expect(response.body).toContain('value="+12025550100"');
    expect(challengeOf(response.body)).not.toBe(challengeId);
    expect(response.body).toMatch(/<input id="captcha"[^>]*aria-invalid="true" autofocus>/);
    expect(response.body).toContain('That was not right. Here is a new picture: please try again.');
  });

  it('gives a new challenge as JSON for the refresh link, only where image validation is on', async () => {
    const harness = captchaHarness();
    const fresh = await harness.call(ROUTES.captcha);
    expect(fresh.statusCode).toBe(200);
    expect(harness.json(fresh)).toMatchObject({
      challengeId: expect.any(String),
      question: expect.any(String),
    });
    expect((await publicHarness().call(ROUTES.captcha)).statusCode).toBe(404);
  });
});

describe('language', () => {
  it("uses the owner's language whatever the browser asks, with no selector", async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.language = 'de';
    });
    const { body } = await page({ headers: { 'accept-language': 'fr' }, query: { lang: 'ja' } });
    expect(body).toContain('<html lang="de">');
    expect(body).toContain('<h1>Ada Lovelace anrufen</h1>');
    expect(body).toContain('<label for="phoneNumber">Ihre Telefonnummer</label>');
    expect(body).not.toContain('<select id="lang"');
  });

  it("follows the browser's Accept-Language when the owner leaves it to the visitor, and offers the others", async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.language = 'visitor';
    });
    const { body, headers } = await page({ headers: { 'accept-language': 'zh-CN, fr-CA;q=0.9, en;q=0.5' } });
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('<h1>Appeler Ada Lovelace</h1>');
    expect(body).toContain('<option value="fr" lang="fr" selected>Français</option>');
    expect(body).toContain('<option value="ja" lang="ja">日本語</option>');
    expect(body).toContain('action="/callnow/demo/requests?lang=fr"');
    expect(headers.vary).toContain('Accept-Language');
  });

  it('lets the selector (?lang=) win over the browser, and keeps the language through the form post', async () => {
    const harness = publicHarness((target) => {
      target.extension.callNow.language = 'visitor';
    });
    const { body } = await harness.page({ headers: { 'accept-language': 'fr' }, query: { lang: 'ja' } });
    expect(body).toContain('<html lang="ja">');
    expect(body).toContain('お電話番号');
    const posted = await harness.postForm('phoneNumber=%2B12025550100', { query: { lang: 'ja' } });
    expect(posted.headers.location).toBe('/callnow/demo/requests/req-1?lang=ja');
    const status = await harness.status('req-1', {
      headers: { accept: 'text/html' },
      query: { lang: 'ja' },
    });
    expect(status.body).toContain('<html lang="ja">');
    expect(status.body).toContain('リクエストを電話システムに送っています…');
  });

  it('falls back to English for a language it does not have', async () => {
    const { page } = publicHarness((target) => {
      target.extension.callNow.language = 'visitor';
    });
    const { body } = await page({ headers: { 'accept-language': 'tlh, *' }, query: { lang: 'xx' } });
    expect(body).toContain('<html lang="en">');
  });

  it('shows the neutral not-available page in the browser language', async () => {
    const { page } = publicHarness();
    const { statusCode, body } = await page({ callNowId: 'nobody', headers: { 'accept-language': 'sv' } });
    expect(statusCode).toBe(404);
    expect(body).toContain('Den här CallNow-sidan är inte tillgänglig.');
  });
});

describe('the page', () => {
  it('weighs under 30 KB with every preference on but the picture', async () => {
    const { page } = publicHarness((target) => {
      Object.assign(target.extension.callNow, {
        language: 'visitor',
        askCallerName: true,
        notWhileOnPhone: true,
        message: 'm'.repeat(500),
        availability: { ...OFFICE_HOURS, from: '09:00', to: '17:00' },
      });
    });
    const { body } = await page();
    expect(Buffer.byteLength(body)).toBeLessThan(30 * 1024);
  });
});
