// Image validation on the public page: a challenge shown for one CallNow ID, answered once, within a few minutes.
// Each challenge has two answers: the characters of its picture, and the number that answers its question in words,
// the text alternative for visitors who cannot see the picture.
import * as z from '../../contracts/zod.ts';
import { callNowKey } from './model.ts';
import type { CallNowStore, Clock } from './ports.ts';

/** A challenge not answered within this time is refused. */
export const CAPTCHA_LIFETIME_SECONDS = 300;
/** How many characters the picture shows. */
export const CAPTCHA_CODE_LENGTH = 5;
/** Letters and digits that no font confuses once case is ignored (no 0/o, 1/l/i, 5/s, 2/z, 8/b, 9/g, u/v). */
export const CAPTCHA_ALPHABET = 'acdefhjkmnprtwxy34678';

const CHALLENGE_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export const CaptchaChallengeSchema = z.onFirstUse(() =>
  z.object({
    challengeId: z.string(),
    callNowId: z.string(),
    /** The accepted answers, normalised (see normaliseCaptchaAnswer). */
    answers: z.array(z.string()),
    /** Refused after this instant. */
    expiresAt: z.string(),
  }),
);
export type CaptchaChallenge = z.infer<typeof CaptchaChallengeSchema>;

/** What the page shows: the picture's characters, and the two numbers of the question "what is {left} plus {right}?". */
export interface CaptchaPuzzle {
  readonly challengeId: string;
  readonly code: string;
  readonly question: { readonly left: number; readonly right: number };
}

export interface CaptchaRandom {
  /** A uniformly random integer in [minimum, maximum]. */
  integer(minimum: number, maximum: number): number;
  /** An unguessable URL-safe id. */
  id(): string;
}

/** Case, spaces and full-width forms (a Japanese keyboard's digits) do not matter. */
export function normaliseCaptchaAnswer(answer: string): string {
  return answer.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

export async function issueCaptcha(
  callNowId: string,
  { store, clock, random }: { store: CallNowStore; clock: Clock; random: CaptchaRandom },
): Promise<CaptchaPuzzle> {
  let code = '';
  for (let index = 0; index < CAPTCHA_CODE_LENGTH; index++) {
    const character = CAPTCHA_ALPHABET[random.integer(0, CAPTCHA_ALPHABET.length - 1)] ?? 'x';
    // Mixed case makes the picture harder to read by machine; the answer ignores case.
    code += random.integer(0, 1) === 1 ? character.toUpperCase() : character;
  }
  const question = { left: random.integer(1, 9), right: random.integer(1, 9) };
  const challengeId = random.id();
  await store.putCaptchaChallenge({
    challengeId,
    callNowId,
    answers: [normaliseCaptchaAnswer(code), String(question.left + question.right)],
    expiresAt: new Date(clock.now().getTime() + CAPTCHA_LIFETIME_SECONDS * 1000).toISOString(),
  });
  return { challengeId, code, question };
}

export interface CaptchaAnswer {
  readonly challengeId: string;
  readonly answer: string;
}

/** True only for the right answer to a live challenge of this CallNow ID; the challenge is used up either way. */
export async function checkCaptcha(
  callNowId: string,
  { challengeId, answer }: CaptchaAnswer,
  { store, clock }: { store: CallNowStore; clock: Clock },
): Promise<boolean> {
  if (!CHALLENGE_ID_PATTERN.test(challengeId)) return false;
  const challenge = await store.takeCaptchaChallenge(challengeId);
  if (!challenge || callNowKey(challenge.callNowId) !== callNowKey(callNowId)) return false;
  if (clock.now().getTime() >= Date.parse(challenge.expiresAt)) return false;
  return challenge.answers.includes(normaliseCaptchaAnswer(answer));
}
