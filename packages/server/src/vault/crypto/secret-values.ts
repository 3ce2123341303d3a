import { open, seal } from '../../crypto/aes-gcm.js';

/**
 * A secret's value sealed under its project's data key, bound to its project, environment and
 * key name. Branches are not part of the binding, so a value can move between a branch and main.
 */
const context = (projectId: string, environment: string, key: string) =>
  `pavise-vault:secret:${projectId}:${environment}:${key}`;

export function encryptValue(
  dataKey: Buffer,
  projectId: string,
  environment: string,
  key: string,
  value: string,
): Buffer {
  return seal(dataKey, Buffer.from(value, 'utf8'), context(projectId, environment, key));
}

export function decryptValue(
  dataKey: Buffer,
  projectId: string,
  environment: string,
  key: string,
  ciphertext: Uint8Array,
): string {
  return open(dataKey, ciphertext, context(projectId, environment, key)).toString('utf8');
}
