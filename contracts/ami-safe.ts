// Values that end up in an AMI action. AMI is a line protocol: one CR or LF in a value
// starts a new header (or a new action), so anything bound for it is checked here, on both sides.

/** A phone number in E.164: a plus, then 7 to 15 digits, never starting with 0. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Extension numbers: digits only, so no dial string (`Local/...`) or dialled number can hide in one. */
export const EXTENSION_NUMBER_PATTERN = /^\d{1,10}$/;

/** Request ids, site ids and extension numbers: a conservative set that is safe in AMI headers and dialplan variables. */
export const TOKEN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.*#-]{0,63}$/;

/** An Asterisk dial string such as `PJSIP/101` or `Local/101@from-internal`. */
export const CHANNEL_PATTERN = /^[A-Za-z][A-Za-z0-9_]*\/[A-Za-z0-9_.*#@+/-]{1,120}$/;

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the format characters (Cf): bidi
// overrides and isolates, zero-width characters and the like change what a phone's display or a page shows
// without being seen, so a name holding one can pose as another.
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const CONTROL_CHARACTERS_GLOBAL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

export const MAX_CALLER_NAME_LENGTH = 40;

/** Control or format characters (see above): never in a name, a number or anything bound for AMI. */
export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/**
 * Makes free text (a visitor's or owner's name) safe for a CallerID name:
 * no control characters, no quotes or angle brackets (they delimit the CallerID number),
 * no commas or pipes (they separate dialplan arguments), collapsed spaces, bounded length.
 */
export function toAmiSafeText(value: string, maxLength = MAX_CALLER_NAME_LENGTH): string {
  return value
    .replace(CONTROL_CHARACTERS_GLOBAL, ' ')
    .replace(/["'<>,|;\\]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, maxLength)
    .trim();
}
