// The CAPTCHA as the page shows it: svg-captcha's picture as a data: URL, and its question in the visitor's words.
import type { CaptchaPuzzle } from '../domain/captcha.ts';
import { describeError, log } from '../lib/log.ts';
import { type Catalogue, fill } from './i18n/index.ts';

interface SvgCaptchaOptions {
  readonly width: number;
  readonly height: number;
  readonly fontSize: number;
  readonly noise: number;
  readonly color: boolean;
}
/** svg-captcha's main export draws a given text; its type declarations leave that call signature out. */
type DrawCaptcha = (text: string, options: SvgCaptchaOptions) => string;

let draw: Promise<DrawCaptcha> | undefined;

/** Loaded on first use: svg-captcha reads its font when imported, which only pages with image validation need. */
function drawCaptcha(): Promise<DrawCaptcha> {
  draw ??= import('svg-captcha').then((module) => module.default as unknown as DrawCaptcha);
  return draw;
}

export interface CaptchaView {
  readonly challengeId: string;
  /**
   * A `data:image/svg+xml` URL: the page's CSP allows data: images, and the picture costs no extra request.
   * Undefined when svg-captcha cannot draw (its font missing from a bundle): the question alone remains.
   */
  readonly image: string | undefined;
  /** The text alternative: "what is seven plus three?", in the page's language. */
  readonly question: string;
}

const NUMBER_KEYS = [
  'number1',
  'number2',
  'number3',
  'number4',
  'number5',
  'number6',
  'number7',
  'number8',
  'number9',
] as const;

export function captchaQuestion({ left, right }: CaptchaPuzzle['question'], texts: Catalogue): string {
  const word = (value: number) => texts[NUMBER_KEYS[value - 1] ?? 'number1'];
  return fill(texts.captchaQuestion, { left: word(left), right: word(right) });
}

async function drawImage(code: string): Promise<string | undefined> {
  try {
    const svg = (await drawCaptcha())(code, { width: 200, height: 64, fontSize: 58, noise: 3, color: false });
    return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  } catch (error) {
    // The question accepts an answer as well as the picture, so without the picture the check is no weaker.
    log.error('the CAPTCHA picture could not be drawn; showing its question only', describeError(error));
    draw = undefined;
    return undefined;
  }
}

export async function captchaView(puzzle: CaptchaPuzzle, texts: Catalogue): Promise<CaptchaView> {
  return {
    challengeId: puzzle.challengeId,
    image: await drawImage(puzzle.code),
    question: captchaQuestion(puzzle.question, texts),
  };
}
