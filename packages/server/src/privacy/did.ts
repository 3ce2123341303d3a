import { createHash } from 'node:crypto';

/** The documented DID of a controller or subject: did:dep: + hex SHA3-256 of its UUID. */
export function didFor(id: string): string {
  return `did:dep:${createHash('sha3-256').update(id).digest('hex')}`;
}
