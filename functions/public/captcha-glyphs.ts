// The CAPTCHA's characters as single-line strokes, drawn by hand for CAPTCHA_ALPHABET in both cases: no font file,
// so the public function stays one bundle. Units: capitals and ascenders from y 0 to the baseline at 100, the
// x-height at 42, descenders down to 132; x from 0 to the glyph's width.

export interface GlyphPoint {
  readonly x: number;
  readonly y: number;
  /** The stroke turns sharply here; elsewhere it is drawn as a smooth curve through its points. */
  readonly corner: boolean;
}

export interface GlyphStroke {
  readonly points: readonly GlyphPoint[];
  readonly closed: boolean;
}

export interface Glyph {
  readonly width: number;
  readonly strokes: readonly GlyphStroke[];
}

const X_HEIGHT = 42;

const corner = (x: number, y: number): GlyphPoint => ({ x, y, corner: true });
const smooth = (x: number, y: number): GlyphPoint => ({ x, y, corner: false });

/** Points along an ellipse, every 30 degrees or less; angles in degrees, 0 to the right and 90 downwards. */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): GlyphPoint[] {
  const steps = Math.max(2, Math.ceil(Math.abs(to - from) / 30));
  return Array.from({ length: steps + 1 }, (_, step) => {
    const radians = ((from + ((to - from) * step) / steps) * Math.PI) / 180;
    return smooth(cx + rx * Math.cos(radians), cy + ry * Math.sin(radians));
  });
}

const stroke = (...parts: (GlyphPoint | GlyphPoint[])[]): GlyphStroke => ({
  points: parts.flat(),
  closed: false,
});

/** A straight-edged stroke through the given x, y pairs. */
function lines(...coordinates: number[]): GlyphStroke {
  const points: GlyphPoint[] = [];
  for (let index = 0; index + 1 < coordinates.length; index += 2) {
    points.push(corner(coordinates[index] ?? 0, coordinates[index + 1] ?? 0));
  }
  return { points, closed: false };
}

/** A whole ellipse, drawn as one closed smooth stroke. */
const ellipse = (cx: number, cy: number, rx: number, ry: number): GlyphStroke => ({
  points: arc(cx, cy, rx, ry, 0, 330),
  closed: true,
});

/** The bowl of a, d and p. */
const bowl = () => ellipse(25, 71, 24, 29);
/** The arch of h, n and m: from the stem up over the shoulder and down to the baseline at `right`. */
const arch = (left: number, right: number) =>
  stroke(arc((left + right) / 2, 64, (right - left) / 2, 24, -170, 0), corner(right, 100));

export const GLYPHS: Readonly<Record<string, Glyph>> = {
  '3': {
    width: 58,
    strokes: [stroke(arc(29, 26, 26, 24, 200, 440), corner(18, 50), arc(29, 75, 29, 25, 280, 520))],
  },
  '4': { width: 60, strokes: [lines(44, 100, 44, 0, 0, 68, 60, 68)] },
  '6': {
    width: 58,
    strokes: [
      stroke(corner(52, 8), smooth(34, 0), smooth(12, 14), smooth(4, 42), arc(30, 72, 26, 28, 180, -165)),
    ],
  },
  '7': { width: 58, strokes: [lines(0, 0, 58, 0, 22, 100)] },
  '8': { width: 60, strokes: [ellipse(30, 25, 22, 24), ellipse(30, 73, 28, 27)] },

  A: { width: 64, strokes: [lines(0, 100, 32, 0, 64, 100), lines(13, 62, 51, 62)] },
  C: { width: 70, strokes: [stroke(arc(38, 50, 38, 50, -45, -315))] },
  D: {
    width: 60,
    strokes: [{ points: [corner(0, 0), ...arc(20, 50, 40, 50, -90, 90), corner(0, 100)], closed: true }],
  },
  E: { width: 56, strokes: [lines(56, 0, 0, 0, 0, 100, 56, 100), lines(0, 50, 44, 50)] },
  F: { width: 56, strokes: [lines(56, 0, 0, 0, 0, 100), lines(0, 50, 44, 50)] },
  H: { width: 60, strokes: [lines(0, 0, 0, 100), lines(60, 0, 60, 100), lines(0, 50, 60, 50)] },
  J: { width: 62, strokes: [lines(22, 0, 62, 0), stroke(corner(48, 0), arc(26, 72, 22, 28, 0, 170))] },
  K: { width: 58, strokes: [lines(0, 0, 0, 100), lines(56, 0, 0, 62), lines(20, 42, 58, 100)] },
  M: { width: 72, strokes: [lines(0, 100, 4, 0, 36, 70, 68, 0, 72, 100)] },
  N: { width: 58, strokes: [lines(0, 100, 0, 0, 58, 100, 58, 0)] },
  P: {
    width: 56,
    strokes: [stroke(corner(0, 100), corner(0, 0), arc(22, 27, 34, 27, -90, 90), corner(0, 54))],
  },
  R: {
    width: 58,
    strokes: [
      stroke(corner(0, 100), corner(0, 0), arc(22, 27, 34, 27, -90, 90), corner(0, 54)),
      lines(24, 54, 58, 100),
    ],
  },
  T: { width: 64, strokes: [lines(0, 0, 64, 0), lines(32, 0, 32, 100)] },
  W: { width: 80, strokes: [lines(0, 0, 18, 100, 40, 30, 62, 100, 80, 0)] },
  X: { width: 60, strokes: [lines(0, 0, 60, 100), lines(60, 0, 0, 100)] },
  Y: { width: 64, strokes: [lines(0, 0, 32, 50, 64, 0), lines(32, 50, 32, 100)] },

  a: { width: 50, strokes: [bowl(), lines(50, X_HEIGHT, 50, 100)] },
  c: { width: 54, strokes: [stroke(arc(28, 71, 28, 30, -40, -320))] },
  d: { width: 50, strokes: [bowl(), lines(50, 0, 50, 100)] },
  e: { width: 56, strokes: [stroke(corner(3, 70), corner(54, 70), arc(28, 70, 26, 29, -12, -320))] },
  f: {
    width: 50,
    strokes: [stroke(arc(36, 22, 16, 20, -25, -180), corner(20, 100)), lines(4, X_HEIGHT, 42, X_HEIGHT)],
  },
  h: { width: 48, strokes: [lines(0, 0, 0, 100), arch(0, 48)] },
  j: {
    width: 38,
    strokes: [lines(34, 16, 34, 22), stroke(corner(34, X_HEIGHT), arc(18, 112, 16, 20, 0, 165))],
  },
  k: { width: 48, strokes: [lines(0, 0, 0, 100), lines(46, X_HEIGHT, 0, 78), lines(16, 66, 48, 100)] },
  m: { width: 64, strokes: [lines(0, X_HEIGHT, 0, 100), arch(0, 32), arch(32, 64)] },
  n: { width: 48, strokes: [lines(0, X_HEIGHT, 0, 100), arch(0, 48)] },
  p: { width: 50, strokes: [lines(0, X_HEIGHT, 0, 132), bowl()] },
  r: { width: 42, strokes: [lines(0, X_HEIGHT, 0, 100), stroke(arc(30, 70, 30, 28, -175, -70))] },
  t: {
    width: 42,
    strokes: [stroke(corner(16, 10), arc(32, 84, 16, 16, 180, 50)), lines(0, X_HEIGHT, 38, X_HEIGHT)],
  },
  w: { width: 60, strokes: [lines(0, X_HEIGHT, 14, 100, 30, 52, 46, 100, 60, X_HEIGHT)] },
  x: { width: 48, strokes: [lines(0, X_HEIGHT, 48, 100), lines(48, X_HEIGHT, 0, 100)] },
  y: {
    width: 52,
    strokes: [
      lines(0, X_HEIGHT, 27, 98),
      stroke(corner(52, X_HEIGHT), smooth(26, 108), smooth(18, 124), smooth(8, 130), corner(0, 128)),
    ],
  },
};
