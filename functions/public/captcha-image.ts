// The CAPTCHA as the page shows it: our own SVG drawing of its characters as a data: URL, and its question in the
// visitor's words. Every picture bends each glyph's points anew (jitter, a smooth warp, then a random rotation, scale
// and skew computed into the coordinates), so that two pictures of one character share no path data.
import { randomFillSync } from 'node:crypto';
import type { CaptchaPuzzle } from '../domain/captcha.ts';
import { GLYPHS, type Glyph, type GlyphPoint } from './captcha-glyphs.ts';
import { type Catalogue, fill } from './i18n/index.ts';

export const CAPTCHA_IMAGE_WIDTH = 200;
export const CAPTCHA_IMAGE_HEIGHT = 64;

/** Text against the background, as WCAG asks of normal text. */
export const GLYPH_MINIMUM_CONTRAST = 4.5;
/** The noise stays visible enough to get in a machine's way, and thinner than the text. */
export const NOISE_MINIMUM_CONTRAST = 3;

/** Pixels per glyph unit (capitals are 100 units high, see captcha-glyphs.ts). */
const GLYPH_SCALE = 0.36;
/** Glyph units each point may move before the glyph is placed. */
const POINT_JITTER = 2.5;
/** Pixels kept clear at the picture's edges. */
const MARGIN = 4;

/** A uniformly random number in [0, 1). */
export type RandomFraction = () => number;

/** From node:crypto, so that earlier pictures say nothing about the next one; 256 draws per refill. */
function cryptoFractions(): RandomFraction {
  const words = new Uint32Array(256);
  let next = words.length;
  return () => {
    if (next === words.length) {
      randomFillSync(words);
      next = 0;
    }
    return (words[next++] ?? 0) / 2 ** 32;
  };
}

interface Rgb {
  readonly red: number;
  readonly green: number;
  readonly blue: number;
}

/** Hue in degrees, saturation and lightness in [0, 1]. */
function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const amount = saturation * Math.min(lightness, 1 - lightness);
  const channel = (offset: number) => {
    const k = (offset + hue / 30) % 12;
    return Math.round(255 * (lightness - amount * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return { red: channel(0), green: channel(8), blue: channel(4) };
}

const hex = ({ red, green, blue }: Rgb) =>
  `#${[red, green, blue].map((value) => value.toString(16).padStart(2, '0')).join('')}`;

function parseHex(colour: string): Rgb {
  const value = Number.parseInt(colour.slice(1), 16);
  return { red: value >> 16, green: (value >> 8) & 0xff, blue: value & 0xff };
}

function relativeLuminance({ red, green, blue }: Rgb): number {
  const linear = (value: number) => {
    const fraction = value / 255;
    return fraction <= 0.04045 ? fraction / 12.92 : ((fraction + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(first: string, second: string): number {
  const [lighter, darker] = [relativeLuminance(parseHex(first)), relativeLuminance(parseHex(second))].sort(
    (a, b) => b - a,
  );
  return ((lighter ?? 0) + 0.05) / ((darker ?? 0) + 0.05);
}

/** A dark colour of any hue, darkened until it stands out from the background by `minimumContrast`. */
function inkColour(random: RandomFraction, background: string, minimumContrast: number): string {
  const hue = random() * 360;
  const saturation = 0.4 + random() * 0.4;
  for (let lightness = 0.2 + random() * 0.25; ; lightness -= 0.03) {
    const ink = hex(hslToRgb(hue, saturation, Math.max(0, lightness)));
    if (lightness <= 0 || contrastRatio(ink, background) >= minimumContrast) return ink;
  }
}

interface Point {
  readonly x: number;
  readonly y: number;
}

/** A tenth of a pixel is finer than the picture shows. */
const coordinate = (value: number) => String(Math.round(value * 10) / 10);
const at = ({ x, y }: Point) => `${coordinate(x)} ${coordinate(y)}`;
const middle = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * Straight lines to corner points; elsewhere quadratic curves through the midpoints between points, with the
 * points as control points, so a stroke stays smooth wherever its points moved.
 */
function pathData(points: readonly (Point & { readonly corner: boolean })[], closed: boolean): string {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined) return '';
  const start = points.findIndex((point) => point.corner);
  if (closed && start === -1) {
    let data = `M${at(middle(last, first))}`;
    points.forEach((point, index) => {
      data += `Q${at(point)} ${at(middle(point, points[index + 1] ?? first))}`;
    });
    return `${data}Z`;
  }
  // A closed stroke with a corner starts there, goes round and comes back to it.
  const sequence = closed ? [...points.slice(start), ...points.slice(0, start + 1)] : points;
  let data = `M${at(sequence[0] ?? first)}`;
  for (let index = 1; index < sequence.length - 1; index++) {
    const point = sequence[index] ?? first;
    data += point.corner
      ? `L${at(point)}`
      : `Q${at(point)} ${at(middle(point, sequence[index + 1] ?? last))}`;
  }
  return `${data}L${at(sequence.at(-1) ?? last)}${closed ? 'Z' : ''}`;
}

const between = (random: RandomFraction, minimum: number, maximum: number) =>
  minimum + random() * (maximum - minimum);

interface Placement {
  readonly centreX: number;
  readonly centreY: number;
  /** Pixels per glyph unit. */
  readonly scale: number;
}

/** One character: its strokes' points moved, warped, skewed, scaled, rotated and placed, as a `<g>` of paths. */
function drawGlyph(glyph: Glyph, placement: Placement, random: RandomFraction, colour: string): string {
  const ys = glyph.strokes.flatMap((stroke) => stroke.points.map((point) => point.y));
  const middleY = (Math.min(...ys) + Math.max(...ys)) / 2;

  const angle = between(random, -0.3, 0.3);
  const skew = between(random, -0.25, 0.25);
  const scaleX = placement.scale * between(random, 0.85, 1.12);
  const scaleY = placement.scale * between(random, 0.88, 1.1);
  const warp = {
    amplitudeX: between(random, -4, 4),
    amplitudeY: between(random, -4, 4),
    frequency: between(random, 0.04, 0.08),
    phaseX: random() * 2 * Math.PI,
    phaseY: random() * 2 * Math.PI,
  };
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const move = (point: GlyphPoint) => {
    const x = point.x + between(random, -POINT_JITTER, POINT_JITTER);
    const y = point.y + between(random, -POINT_JITTER, POINT_JITTER);
    const warpedX = x + warp.amplitudeX * Math.sin(y * warp.frequency + warp.phaseX) - glyph.width / 2;
    const warpedY = y + warp.amplitudeY * Math.sin(x * warp.frequency + warp.phaseY) - middleY;
    const u = (warpedX + skew * warpedY) * scaleX;
    const v = warpedY * scaleY;
    return { x: u * cos - v * sin, y: u * sin + v * cos, corner: point.corner };
  };
  const strokes = glyph.strokes.map((stroke) => ({ ...stroke, points: stroke.points.map(move) }));

  // Kept whole inside the picture, however it turned.
  const moved = strokes.flatMap((stroke) => stroke.points);
  const within = (centre: number, values: number[], size: number) => {
    const low = Math.min(...values);
    const high = Math.max(...values);
    return Math.min(Math.max(centre, MARGIN - low), size - MARGIN - high);
  };
  const offsetX = within(
    placement.centreX,
    moved.map((point) => point.x),
    CAPTCHA_IMAGE_WIDTH,
  );
  const offsetY = within(
    placement.centreY,
    moved.map((point) => point.y),
    CAPTCHA_IMAGE_HEIGHT,
  );

  const strokeWidth = between(random, 2.4, 3.4);
  const paths = strokes.map((stroke) => {
    const points = stroke.points.map((point) => ({ ...point, x: point.x + offsetX, y: point.y + offsetY }));
    const width = coordinate(strokeWidth * between(random, 0.88, 1.12));
    return `<path stroke-width="${width}" d="${pathData(points, stroke.closed)}"/>`;
  });
  return `<g stroke="${colour}">${paths.join('')}</g>`;
}

/** A curve from the left edge to the right one, or a shorter straight line, across the text. */
function drawNoise(random: RandomFraction, colour: string): string {
  const y = () => between(random, 6, CAPTCHA_IMAGE_HEIGHT - 6);
  const width = coordinate(between(random, 1, 1.8));
  if (random() < 0.6) {
    const start = { x: between(random, -4, 30), y: y() };
    const control1 = { x: between(random, 40, 90), y: between(random, -10, CAPTCHA_IMAGE_HEIGHT + 10) };
    const control2 = { x: between(random, 110, 160), y: between(random, -10, CAPTCHA_IMAGE_HEIGHT + 10) };
    const end = { x: between(random, 170, CAPTCHA_IMAGE_WIDTH + 4), y: y() };
    return `<path stroke="${colour}" stroke-width="${width}" d="M${at(start)}C${at(control1)} ${at(control2)} ${at(end)}"/>`;
  }
  const start = { x: between(random, 10, 120), y: y() };
  const end = { x: start.x + between(random, 40, 80), y: y() };
  return `<path stroke="${colour}" stroke-width="${width}" d="M${at(start)}L${at(end)}"/>`;
}

/**
 * The picture of `code`: one `<g>` per character, a few noise curves and lines above and below them, on a light
 * background; dark colours of random hues, each with at least GLYPH_MINIMUM_CONTRAST against the background.
 */
export function drawCaptchaSvg(code: string, random: RandomFraction = cryptoFractions()): string {
  const characters = [...code];
  const background = hex(hslToRgb(random() * 360, between(random, 0.3, 0.7), between(random, 0.93, 0.97)));

  const glyphs = characters.map((character) => {
    const glyph = GLYPHS[character];
    if (glyph === undefined) throw new Error(`the CAPTCHA has no glyph for ${JSON.stringify(character)}`);
    return { glyph, scale: GLYPH_SCALE * between(random, 0.92, 1.08) };
  });
  const gaps = Math.max(1, glyphs.length - 1);
  const available = CAPTCHA_IMAGE_WIDTH - 4 * MARGIN;
  const naturalWidth = glyphs.reduce((sum, { glyph, scale }) => sum + glyph.width * scale, 0);
  // A longer code is drawn smaller rather than cut off.
  const fit = Math.min(1, (available - 2 * gaps) / naturalWidth);
  const gap = Math.min(12, (available - naturalWidth * fit) / gaps);
  let left = (CAPTCHA_IMAGE_WIDTH - naturalWidth * fit - gap * (glyphs.length - 1)) / 2;

  const elements = glyphs.map(({ glyph, scale }) => {
    const width = glyph.width * scale * fit;
    const placement = {
      centreX: left + width / 2 + between(random, -2, 2),
      centreY: CAPTCHA_IMAGE_HEIGHT / 2 + between(random, -5, 5),
      scale: scale * fit,
    };
    left += width + gap;
    return drawGlyph(glyph, placement, random, inkColour(random, background, GLYPH_MINIMUM_CONTRAST));
  });
  // Some noise under the text, some over it.
  for (let count = 3 + Math.floor(random() * 3); count > 0; count--) {
    const noise = drawNoise(random, inkColour(random, background, NOISE_MINIMUM_CONTRAST));
    elements.splice(Math.floor(random() * (elements.length + 1)), 0, noise);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CAPTCHA_IMAGE_WIDTH}" height="${CAPTCHA_IMAGE_HEIGHT}" ` +
    `viewBox="0 0 ${CAPTCHA_IMAGE_WIDTH} ${CAPTCHA_IMAGE_HEIGHT}" fill="none" stroke-linecap="round" ` +
    `stroke-linejoin="round"><rect width="100%" height="100%" fill="${background}"/>${elements.join('')}</svg>`
  );
}

export interface CaptchaView {
  readonly challengeId: string;
  /** A `data:image/svg+xml` URL: the page's CSP allows data: images, and the picture costs no extra request. */
  readonly image: string;
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

export function captchaView(puzzle: CaptchaPuzzle, texts: Catalogue): CaptchaView {
  return {
    challengeId: puzzle.challengeId,
    image: `data:image/svg+xml;base64,${Buffer.from(drawCaptchaSvg(puzzle.code)).toString('base64')}`,
    question: captchaQuestion(puzzle.question, texts),
  };
}
