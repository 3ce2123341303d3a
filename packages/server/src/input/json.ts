import { isUtf8 } from 'node:buffer';
import { unstorableText } from './text.js';

/**
 * A request's input refused before anything reads it: bytes that are not UTF-8, JSON nested
 * deeper than the server allows, or a string the database cannot store. `field` names where,
 * in the request's own terms (`email`, `variables.t`, `secrets[2].value`, `query parameter name`).
 * Each API answers it with a 400 in its own error shape.
 */
export class UnsafeInputError extends Error {
  override name = 'UnsafeInputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** `bytes` as text, refusing invalid UTF-8 (which decoding would silently turn into U+FFFD). */
export function decodeUtf8(bytes: Buffer, what = 'The request body'): string {
  if (!isUtf8(bytes)) throw invalidUtf8(bytes, what);
  return bytes.toString('utf8');
}

/**
 * The refusal of bytes that are not UTF-8, naming the field they spoil when the rest is JSON: the
 * first string that decodes with a U+FFFD in it (a U+FFFD sent as such, earlier in the body,
 * would be named instead — the refusal is right either way, only its pointer is approximate).
 */
function invalidUtf8(bytes: Buffer, what: string): UnsafeInputError {
  try {
    const spoilt = (text: string) => (text.includes('\uFFFD') ? 'bytes that are not valid UTF-8' : undefined);
    checkJson(JSON.parse(bytes.toString('utf8')), Number.POSITIVE_INFINITY, what, spoilt);
  } catch (error) {
    if (error instanceof UnsafeInputError) return error;
  }
  return new UnsafeInputError(`${what} is not valid UTF-8`, '');
}

/** One object or array still to visit, and how to name it (built only when something is refused). */
interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

const fieldName = (frame: Frame | undefined, key?: string | number): string => {
  const keys: (string | number)[] = key === undefined ? [] : [key];
  for (let at = frame; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys
    .reverse()
    .reduce<string>((name, k) => (typeof k === 'number' ? `${name}[${k}]` : name ? `${name}.${k}` : k), '');
};

/**
 * Checks a parsed JSON value before anything recursive runs over it: at most `maxDepth` levels of
 * objects and arrays, and every string — keys too — one the database can store. The walk keeps
 * its own stack, so a hostile depth costs no call stack.
 */
export function checkJson(
  root: unknown,
  maxDepth: number,
  what = 'The request body',
  problemOf: (text: string) => string | undefined = unstorableText,
): void {
  const checkString = (value: string, field: string, named = field) => {
    const problem = problemOf(value);
    if (problem) throw new UnsafeInputError(`${named} contains ${problem}, which cannot be stored`, field);
  };
  if (typeof root === 'string') checkString(root, '', what);
  if (root === null || typeof root !== 'object') return;
  const stack: Frame[] = [{ value: root, depth: 1, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      // Named by its outermost field: the full path of a hostile depth would be as long as it.
      let outermost = frame;
      while (outermost.parent?.key !== undefined) outermost = outermost.parent;
      throw new UnsafeInputError(
        `${what} is nested more than ${maxDepth} levels deep (the server's limit)`,
        fieldName(undefined, outermost.key),
      );
    }
    const entries: Iterable<[string | number, unknown]> = Array.isArray(frame.value)
      ? frame.value.entries()
      : Object.entries(frame.value);
    for (const [key, value] of entries) {
      if (typeof key === 'string') checkString(key, fieldName(frame), `A key in ${fieldName(frame) || what}`);
      if (typeof value === 'string') checkString(value, fieldName(frame, key));
      else if (value !== null && typeof value === 'object')
        stack.push({ value, depth: frame.depth + 1, parent: frame, key });
    }
  }
}

/**
 * The length of `value` as JSON text, counted without writing it (a megabyte of variables need
 * not be copied to be measured), and only until it exceeds `limit`: characters of strings and
 * keys, plus their quotes and separators, numbers and literals by their usual width.
 */
export function jsonLengthExceeds(value: unknown, limit: number): boolean {
  let length = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') length += item.length + 2;
    else if (item === null || typeof item !== 'object') length += String(item).length + 1;
    else if (Array.isArray(item)) {
      length += 2;
      for (const element of item) stack.push(element);
    } else {
      length += 2;
      for (const [key, field] of Object.entries(item)) {
        length += key.length + 4;
        stack.push(field);
      }
    }
    if (length > limit) return true;
  }
  return false;
}
