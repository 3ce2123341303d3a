import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { AuthError } from './errors.js';

/**
 * The rule every new password must meet (Dxtra's, docs/contracts.md §3.3): sign-up, a password
 * change, and later a reset. Existing passwords are never checked against it at sign-in: an
 * account made under an older rule still signs in, and meets this one at its next change.
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** The symbols Dxtra names; any other character that is not a letter, a digit or a space counts too. */
const SUGGESTED_SYMBOLS = '! @ # $ % ^ & *';

const CLASSES = [
  { name: 'an upper-case letter', test: /\p{Lu}/u },
  { name: 'a lower-case letter', test: /\p{Ll}/u },
  { name: 'a digit', test: /\p{Nd}/u },
  { name: 'a symbol', test: /[^\p{L}\p{N}\s]/u },
];

/**
 * A listed password's stem is checked only when it has this many characters: "Dragon2024!" is
 * "dragon" with digits and a symbol put after it, but "ab" is too short a stem to say so.
 */
const MIN_STEM_LENGTH = 4;
const TRAILING_NON_LETTERS = /[^\p{L}]+$/u;

let commonPasswords: ReadonlySet<string> | undefined;

/** The shipped list (data/common-passwords.txt), read once on first use. */
function common(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(path.join(packageRoot, 'data', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return commonPasswords;
}

/**
 * Why `password` may not be used as a new password, as the error to answer with, or undefined
 * when it meets the rule. Length is counted in characters (code points), not UTF-16 units.
 */
export function passwordRuleBreach(password: string): AuthError | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return new AuthError('password-too-short', `Password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return new AuthError('invalid-request', `The password is longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  const missing = CLASSES.filter(({ test }) => !test.test(password)).map(({ name }) => name);
  if (missing.length > 0) {
    return new AuthError(
      'invalid-request',
      `The password needs an upper-case letter, a lower-case letter, a digit and a symbol (such as ${SUGGESTED_SYMBOLS}): it has no ${missing.map((name) => name.replace(/^an? /, '')).join(', no ')}`,
    );
  }
  const lower = password.toLowerCase();
  const stem = lower.replace(TRAILING_NON_LETTERS, '');
  if (common().has(lower) || ([...stem].length >= MIN_STEM_LENGTH && common().has(stem))) {
    return new AuthError(
      'password-in-hibp-database',
      'The password is one of the most common passwords (or one with digits and symbols added): choose one that is harder to guess',
    );
  }
  return undefined;
}

/** Throws the breach of passwordRuleBreach, if any. */
export function checkNewPassword(password: string): void {
  const breach = passwordRuleBreach(password);
  if (breach) throw breach;
}
