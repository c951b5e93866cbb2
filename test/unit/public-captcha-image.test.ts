// The CAPTCHA picture drawn by our own code: a safe, self-contained SVG whose glyphs change shape on every draw.
import { describe, expect, it } from 'vitest';
import { CAPTCHA_ALPHABET, CAPTCHA_CODE_LENGTH } from '../../functions/domain/captcha.ts';
import {
  CAPTCHA_IMAGE_HEIGHT,
  CAPTCHA_IMAGE_WIDTH,
  contrastRatio,
  drawCaptchaSvg,
  GLYPH_MINIMUM_CONTRAST,
  NOISE_MINIMUM_CONTRAST,
} from '../../functions/public/captcha-image.ts';

const CHARACTERS = [...new Set([...CAPTCHA_ALPHABET, ...CAPTCHA_ALPHABET.toUpperCase()])];

/** A code as issueCaptcha makes them, from Math.random: the picture's own randomness is what is under test. */
function randomCode(): string {
  return Array.from(
    { length: CAPTCHA_CODE_LENGTH },
    () => CHARACTERS[Math.floor(Math.random() * CHARACTERS.length)] ?? 'a',
  ).join('');
}

interface Element {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: Element[];
}

const ELEMENTS = new Set(['svg', 'rect', 'g', 'path']);
const ATTRIBUTES = new Set([
  'xmlns',
  'width',
  'height',
  'viewBox',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'stroke-linejoin',
  'd',
]);

/**
 * Parses the picture strictly: nothing but the elements and attributes above, every attribute quoted, every tag
 * closed in order, no text, one root. Throws on anything else, so a pass means well-formed and free of scripts,
 * event handlers, styles and references.
 */
function parseSvg(svg: string): Element {
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[A-Za-z][\w:-]*="[^"<>&]*")*)\s*(\/?)>/y;
  const root: Element = { name: '#document', attributes: {}, children: [] };
  const open: Element[] = [root];
  while (tag.lastIndex < svg.length) {
    const start = tag.lastIndex;
    const match = tag.exec(svg);
    if (!match) throw new Error(`not a tag at ${start}: ${svg.slice(start, start + 40)}`);
    const [, closing, name = '', attributeText = '', selfClosing] = match;
    const parent = open.at(-1);
    if (parent === undefined) throw new Error('content after the root element');
    if (closing) {
      if (parent.name !== name || attributeText || selfClosing) throw new Error(`unexpected </${name}>`);
      open.pop();
      continue;
    }
    if (!ELEMENTS.has(name)) throw new Error(`element <${name}>`);
    const attributes: Record<string, string> = {};
    for (const [, attribute = '', value = ''] of attributeText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (!ATTRIBUTES.has(attribute) || attribute in attributes) throw new Error(`attribute ${attribute}`);
      attributes[attribute] = value;
    }
    const element: Element = { name, attributes, children: [] };
    parent.children.push(element);
    if (!selfClosing) open.push(element);
    if (open.length === 2 && root.children.length > 1) throw new Error('more than one root element');
  }
  if (open.length !== 1) throw new Error(`<${open.at(-1)?.name}> is not closed`);
  const [svgElement] = root.children;
  if (root.children.length !== 1 || svgElement?.name !== 'svg') throw new Error('the root is not one <svg>');
  return svgElement;
}

const glyphGroups = (svg: Element) => svg.children.filter((child) => child.name === 'g');
const numbersOf = (paths: readonly Element[]) =>
  paths.flatMap((path) => (path.attributes.d ?? '').match(/-?\d+(\.\d+)?/g)?.map(Number) ?? []);

/** The x, y pairs of a glyph's paths: every command the drawing uses (M, L, Q, Z) takes whole points. */
function pointsOf(group: Element): [number, number][] {
  const numbers = numbersOf(group.children);
  return Array.from({ length: numbers.length / 2 }, (_, index) => [
    numbers[2 * index] ?? 0,
    numbers[2 * index + 1] ?? 0,
  ]);
}

/** Solves the 3 x 3 system `matrix * solution = vector` by Cramer's rule. */
function solve3(matrix: number[][], vector: number[]): number[] {
  const determinant = (m: number[][]) => {
    const [a = [], b = [], c = []] = m;
    const at = (row: number[], column: number) => row[column] ?? 0;
    return (
      at(a, 0) * (at(b, 1) * at(c, 2) - at(b, 2) * at(c, 1)) -
      at(a, 1) * (at(b, 0) * at(c, 2) - at(b, 2) * at(c, 0)) +
      at(a, 2) * (at(b, 0) * at(c, 1) - at(b, 1) * at(c, 0))
    );
  };
  const whole = determinant(matrix);
  return [0, 1, 2].map(
    (column) =>
      determinant(
        matrix.map((row, index) => row.map((value, j) => (j === column ? (vector[index] ?? 0) : value))),
      ) / whole,
  );
}

/**
 * How far, in pixels (root mean square), `to` is from the best affine image of `from`: near 0 when one glyph is
 * only a rotated, scaled, skewed or moved copy of the other.
 */
function affineResidual(from: [number, number][], to: [number, number][]): number {
  const rows = from.map(([x, y]) => [x, y, 1]);
  const sum = (term: (row: number[], index: number) => number) =>
    rows.reduce((total, row, index) => total + term(row, index), 0);
  const columns = [0, 1, 2];
  // The normal equations of the least-squares fit, one right-hand side per coordinate.
  const normal = columns.map((i) => columns.map((j) => sum((row) => (row[i] ?? 0) * (row[j] ?? 0))));
  const rightX = columns.map((i) => sum((row, index) => (row[i] ?? 0) * (to[index]?.[0] ?? 0)));
  const rightY = columns.map((i) => sum((row, index) => (row[i] ?? 0) * (to[index]?.[1] ?? 0)));
  const [ax = 0, bx = 0, cx = 0] = solve3(normal, rightX);
  const [ay = 0, by = 0, cy = 0] = solve3(normal, rightY);
  const squares = from.map(([x, y], index) => {
    const [targetX = 0, targetY = 0] = to[index] ?? [];
    return (ax * x + bx * y + cx - targetX) ** 2 + (ay * x + by * y + cy - targetY) ** 2;
  });
  return Math.sqrt(squares.reduce((sum, square) => sum + square, 0) / squares.length);
}

describe('the CAPTCHA picture', () => {
  it('is a well-formed SVG of 200 x 64 with only shapes in it: no script, event handler, style or reference', () => {
    for (let draw = 0; draw < 50; draw++) {
      const svg = parseSvg(drawCaptchaSvg(randomCode()));
      expect(svg.attributes).toMatchObject({
        xmlns: 'http://www.w3.org/2000/svg',
        width: String(CAPTCHA_IMAGE_WIDTH),
        height: String(CAPTCHA_IMAGE_HEIGHT),
      });
      expect(svg.children[0]?.name).toBe('rect');
    }
  });

  it('the strict reading above refuses what must never be in the picture', () => {
    const svg = drawCaptchaSvg('k4pxa');
    expect(() => parseSvg(svg.replace('<rect', '<script>alert(1)</script><rect'))).toThrow();
    expect(() => parseSvg(svg.replace('<rect', '<rect onload="alert(1)"'))).toThrow();
    expect(() => parseSvg(svg.replace('<rect', '<image href="https://example.com/x.png"/><rect'))).toThrow();
    expect(() => parseSvg(svg.replace('</svg>', ''))).toThrow();
  });

  it('draws one group per character, for every character of the alphabet in both cases', () => {
    for (const character of CHARACTERS) {
      const svg = parseSvg(drawCaptchaSvg(character.repeat(CAPTCHA_CODE_LENGTH)));
      expect(glyphGroups(svg), character).toHaveLength(CAPTCHA_CODE_LENGTH);
      // Noise is drawn on its own, outside the glyphs' groups, across the text.
      expect(svg.children.filter((child) => child.name === 'path').length).toBeGreaterThanOrEqual(3);
    }
    expect(() => drawCaptchaSvg('ab0de')).toThrow(/no glyph for "b"/);
  });

  it('never draws the same thing twice, nor a glyph that is a transformed copy of another', () => {
    const first = parseSvg(drawCaptchaSvg('a8R3m'));
    const second = parseSvg(drawCaptchaSvg('a8R3m'));
    expect(JSON.stringify(first)).not.toBe(JSON.stringify(second));
    const residuals: number[] = [];
    for (let index = 0; index < CAPTCHA_CODE_LENGTH; index++) {
      const [before, after] = [first, second].map((svg) => glyphGroups(svg)[index] as Element);
      const [from = [], to = []] = [before, after].map((group) => pointsOf(group as Element));
      expect(from.length).toBe(to.length);
      expect(numbersOf(before?.children ?? [])).not.toEqual(numbersOf(after?.children ?? []));
      residuals.push(affineResidual(from, to));
    }
    // Within one picture too: five e's, five different shapes.
    const same = glyphGroups(parseSvg(drawCaptchaSvg('eeeee'))).map(pointsOf);
    for (const other of same.slice(1)) residuals.push(affineResidual(same[0] ?? [], other));
    // A tenth of a pixel is rounding; the points themselves move by about a pixel.
    for (const residual of residuals) expect(residual).toBeGreaterThan(0.25);
  });

  it('keeps every glyph whole inside the picture', () => {
    const points = Array.from({ length: 200 }, () =>
      glyphGroups(parseSvg(drawCaptchaSvg(randomCode()))).flatMap(pointsOf),
    ).flat();
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(CAPTCHA_IMAGE_WIDTH);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ys)).toBeLessThanOrEqual(CAPTCHA_IMAGE_HEIGHT);
  });

  it('draws its text in colours that stand out from the background, and the noise a little less', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    for (let draw = 0; draw < 200; draw++) {
      const svg = parseSvg(drawCaptchaSvg(randomCode()));
      const background = svg.children[0]?.attributes.fill ?? '';
      expect(background).toMatch(/^#[0-9a-f]{6}$/);
      for (const child of svg.children.slice(1)) {
        const colour = child.attributes.stroke ?? '';
        expect(colour).toMatch(/^#[0-9a-f]{6}$/);
        expect(contrastRatio(colour, background)).toBeGreaterThanOrEqual(
          child.name === 'g' ? GLYPH_MINIMUM_CONTRAST : NOISE_MINIMUM_CONTRAST,
        );
      }
    }
  });

  it('stays under 4 KB, even with five of the glyph with the most points', () => {
    const sizes = Array.from({ length: 200 }, () => Buffer.byteLength(drawCaptchaSvg(randomCode())));
    const heaviest = Array.from({ length: 50 }, () => Buffer.byteLength(drawCaptchaSvg('88888')));
    expect(Math.max(...sizes, ...heaviest)).toBeLessThan(4096);
  });
});
