import { type Algorithm, hash, verify } from '@node-rs/argon2';

// The binding declares its algorithms as a const enum, which this build (verbatimModuleSyntax)
// cannot read at run time: 2 is Algorithm.Argon2id.
const ARGON2ID = 2 as Algorithm;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, yet cheap enough that a burst
// of sign-ins cannot exhaust the server's memory.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies `password` against `passwordHash`. Without a hash (unknown account) it still spends the time
 * of a real verification, so response times do not reveal which e-mail addresses exist.
 */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hashPassword('pavise-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
