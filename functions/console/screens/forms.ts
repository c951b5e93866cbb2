// What every form screen does: read the posted fields into the API's own input (its schemas check them, so the
// console has no rule of its own), and answer a refusal with the same form, each problem at its field.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from '../../../contracts/zod.ts';
import type { Page, PageRequest } from '../../domain/management-ports.ts';
import { HttpError, toHttpError } from '../../http/errors.ts';
import { parseInput } from '../../http/request.ts';
import type { FieldErrors } from '../layout.ts';

type Result = APIGatewayProxyStructuredResultV2;

/** The API's schema applied to what the form gave: a 400 names each field, as the API's would. */
export const checked = <T>(schema: z.ZodMiniType<T>, input: unknown): T => parseInput(schema, input);

export const isOn = (form: Readonly<Record<string, string>>, name: string) => form[name] === 'on';

/** A textarea's lines, trimmed, the empty ones left out. */
export function linesOf(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * A textarea of one record per line, each line matched by `pattern` and read by `read`; a line of another shape is
 * a 400 on `field` that quotes it and shows the shape wanted.
 */
export function recordsOf<T>(
  text: string | undefined,
  field: string,
  pattern: RegExp,
  example: string,
  read: (match: RegExpExecArray) => T,
): T[] {
  return linesOf(text).map((line, index) => {
    const match = pattern.exec(line);
    if (match) return read(match);
    const message = `line ${index + 1}, "${line}": write it as in "${example}"`;
    throw new HttpError(400, 'invalid_request', message, { [field]: [message] });
  });
}

/** A whole number as typed, or the text itself (the schema then says what is wrong with it). */
export function numberOf(text: string | undefined): number | string {
  return /^\d{1,9}$/.test(text ?? '') ? Number(text) : (text ?? '');
}

/**
 * The form field an API field is edited in: its path up to the first list index, in camel case
 * (`password.new` is `passwordNew`, `subnetLimits.2.cidr` the `subnetLimits` list).
 */
export function formFieldOf(field: string): string {
  const parts = field.split('.');
  const end = parts.findIndex((part) => /^\d+$/.test(part));
  return parts
    .slice(0, end < 0 ? undefined : end)
    .map((part, index) => (index === 0 ? part : `${part.charAt(0).toUpperCase()}${part.slice(1)}`))
    .join('');
}

/** Each problem under the form field it is about. */
export function fieldErrorsOf(error: HttpError): FieldErrors {
  if (!error.fields) return { '': error.message };
  const errors: Record<string, string> = {};
  for (const [field, messages] of Object.entries(error.fields))
    errors[formFieldOf(field)] ??= messages[0] ?? error.message;
  return errors;
}

/**
 * Runs `save`; when the rules refuse it (a 4xx other than 404), answers the form again with the problems, and
 * otherwise lets the error go on to the error page.
 */
export async function submitted(
  save: () => Promise<Result>,
  render: (errors: FieldErrors, statusCode: number) => Result | Promise<Result>,
): Promise<Result> {
  try {
    return await save();
  } catch (error) {
    const known = toHttpError(error);
    if (!known || known.statusCode >= 500 || known.statusCode === 404) throw error;
    return render(fieldErrorsOf(known), known.statusCode);
  }
}

const PAGE_SIZE = 25;
const SEARCH_PAGES = 10;

/**
 * A page of a list; with a search, the records whose name holds it, read page after page until a screenful is
 * found or ten pages were read (the next link goes on from there).
 */
export async function searchPage<T extends { readonly name: string }>(
  list: (page: PageRequest) => Promise<Page<T>>,
  search: string | undefined,
  cursor: string | undefined,
): Promise<{ items: T[]; nextCursor?: string }> {
  const needle = search?.trim().toLowerCase();
  const items: T[] = [];
  let next = cursor;
  for (let read = 0; read < (needle ? SEARCH_PAGES : 1); read++) {
    const page = await list({ limit: PAGE_SIZE, cursor: next });
    items.push(...page.items.filter((item) => !needle || item.name.toLowerCase().includes(needle)));
    next = page.nextCursor;
    if (!next || items.length >= PAGE_SIZE) break;
  }
  return next ? { items, nextCursor: next } : { items };
}
