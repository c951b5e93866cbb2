// Values that end up in an AMI action. AMI is a line protocol: one CR or LF in a value
// starts a new header (or a new action), so anything bound for it is checked here, on both sides.

/** A phone number in E.164: a plus, then 7 to 15 digits, never starting with 0. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Request ids, site ids and extension numbers: a conservative set that is safe in AMI headers and dialplan variables. */
export const TOKEN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.*#-]{0,63}$/;

/** An Asterisk dial string such as `PJSIP/101` or `Local/101@from-internal`. */
export const CHANNEL_PATTERN = /^[A-Za-z][A-Za-z0-9_]*\/[A-Za-z0-9_.*#@+/-]{1,120}$/;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS_GLOBAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export const MAX_CALLER_NAME_LENGTH = 40;

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
