import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * TOTP (RFC 6238) as every authenticator app reads it by default: HMAC-SHA1, 6 digits, 30-second
 * steps, a 160-bit secret (RFC 4226's recommendation). The arithmetic is otpauth's, a maintained
 * implementation of both RFCs with no dependencies; the QR code is qrcode's. Times are epoch
 * milliseconds on the server's clock.
 */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = 'SHA1';
const SECRET_BYTES = 20;
/** Codes of one step either side of the current one pass (clock skew, typing time); two do not. */
const SKEW_STEPS = 1;
/** What authenticator apps show above the account's name. */
const ISSUER = 'Pavise';

export function newTotpSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

const otpSecret = (secret: Buffer) => new Secret({ buffer: Uint8Array.from(secret).buffer });

/**
 * What an enrolling user is shown (Nhost's answer to GET /mfa/totp/generate): the secret in
 * base32, to type in, and a QR code of its otpauth:// URI as a PNG data: URL, to scan.
 */
export async function totpEnrolment(
  secret: Buffer,
  accountName: string,
): Promise<{ imageUrl: string; totpSecret: string }> {
  const totp = new TOTP({
    issuer: ISSUER,
    label: accountName,
    secret: otpSecret(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
  return { imageUrl: await QRCode.toDataURL(totp.toString()), totpSecret: totp.secret.base32 };
}

/**
 * The time step whose code `code` is, within SKEW_STEPS of the step at `now`; undefined when it is
 * none of them (or not a code at all). The caller refuses a step already used.
 */
export function totpStepOf(secret: Buffer, code: string, now: number): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const delta = TOTP.validate({
    token: code,
    secret: otpSecret(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp: now,
    window: SKEW_STEPS,
  });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD_SECONDS, timestamp: now }) + delta;
}
