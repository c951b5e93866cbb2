// A bundle that lost svg-captcha's font must not take the page down: the CAPTCHA's question still guards the form.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publicHarness } from './public-harness.ts';

vi.mock('svg-captcha', () => ({
  default: () => {
    throw new Error("ENOENT: no such file or directory, open '../fonts/Comismsh.ttf'");
  },
}));

afterEach(() => vi.restoreAllMocks());

describe('image validation without the picture', () => {
  it('shows the question alone, logs why, and still checks the answer', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const harness = publicHarness((target) => {
      target.extension.callNow.imageValidation = true;
    });
    const { statusCode, body } = await harness.page();
    expect(statusCode).toBe(200);
    expect(body).not.toContain('<img id="captcha-image"');
    expect(body).toContain('Or answer this question: what is one plus one?');
    expect(logged).toHaveBeenCalled();
    const challengeId = /name="captchaId" value="([^"]+)"/.exec(body)?.[1];
    expect(
      (await harness.postJson({ phoneNumber: '+12025550100', captchaId: challengeId, captcha: '3' }))
        .statusCode,
    ).toBe(400);
    const retry = /name="captchaId" value="([^"]+)"/.exec((await harness.page()).body)?.[1];
    expect(
      (await harness.postJson({ phoneNumber: '+12025550100', captchaId: retry, captcha: '2' })).statusCode,
    ).toBe(202);
  });
});
