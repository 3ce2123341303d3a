import { createHash, createHmac, randomBytes } from 'node:crypto';
import { passwordRuleBreach } from './password-rule.js';

/**
 * Opaque bearer tokens: `pavise_<kind>_` + 31 base62 characters (184 random bits) + a 6-character
 * CRC32 checksum. The prefix lets secret scanners recognise a leaked Pavise token; the checksum
 * lets us (and them) tell a mistyped token from a real one without a database lookup.
 */
/** pat: personal access token; rt: refresh token; sa: a vault service-account key. */
export type TokenKind = 'pat' | 'rt' | 'sa';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_BYTES = 23; // 184 bits: 62^31 > 2^184, so 31 characters hold every value
const BODY_LENGTH = 31;
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const PATTERN = /^pavise_(pat|rt|sa)_([0-9A-Za-z]{31})([0-9A-Za-z]{6})$/;

function toBase62(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out.padStart(length, '0');
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(prefixAndBody: string): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(prefixAndBody));
  return toBase62(bytes, CHECKSUM_LENGTH);
}

function assemble(kind: TokenKind, body: Buffer): string {
  const head = `pavise_${kind}_${toBase62(body, BODY_LENGTH)}`;
  return head + checksum(head);
}

export function generateToken(kind: TokenKind): string {
  return assemble(kind, randomBytes(BODY_BYTES));
}

/**
 * The token that replaces `previous` on rotation, derived with a server-side key. Deriving it
 * (instead of drawing it at random) lets a request that presents `previous` again within the
 * grace window receive the very same successor, although only hashes are stored.
 */
export function deriveSuccessorToken(previous: string, rotationKey: string): string {
  const body = createHmac('sha256', rotationKey).update(previous).digest().subarray(0, BODY_BYTES);
  return assemble('rt', body);
}

/** True when `token` has the shape and a valid checksum of a Pavise token of `kind`. */
export function isWellFormedToken(token: string, kind: TokenKind): boolean {
  const match = PATTERN.exec(token);
  if (!match || match[1] !== kind) return false;
  return checksum(`pavise_${kind}_${match[2]}`) === match[3];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What lists show of a token: its prefix and first four characters. */
export function tokenHint(token: string): string {
  const match = PATTERN.exec(token);
  return match ? `pavise_${match[1]}_${match[2]!.slice(0, 4)}…` : '…';
}

/**
 * A generated password (bootstrap, `pavise user create`): 20 random base62 characters (119 bits)
 * in four groups joined by hyphens, drawn again until it meets the password rule (a draw without
 * a digit or a letter case is rare); the hyphens are its symbol, and easy to copy from a terminal.
 */
export function randomPassword(): string {
  for (;;) {
    const password = toBase62(randomBytes(15), 20).match(/.{5}/g)!.join('-');
    if (!passwordRuleBreach(password)) return password;
  }
}
