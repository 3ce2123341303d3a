import { Secret, TOTP } from 'otpauth';

/** The TOTP code of `secret` (base32) at `time` (epoch ms), computed as an authenticator app would. */
export function totpCode(secret: string, time: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: time });
}
