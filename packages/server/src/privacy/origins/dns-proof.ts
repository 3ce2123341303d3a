import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { OriginProofError } from './proof-error.js';

/** The name whose TXT records the DNS method reads, for a host. */
export const verificationRecordName = (host: string) => `_pavise-verification.${host}`;

export interface DnsProofSettings {
  /** DNS servers to ask (ip or ip:port); empty: the system's. */
  servers: readonly string[];
  /** Per attempt; two attempts per server. */
  timeoutMs: number;
}

/**
 * The DNS method: a TXT record at _pavise-verification.<host> holds the token (as the whole
 * record, or in it: several verification values may share the name). The origin's scheme and
 * port do not matter; an IP address has no name to hold a record.
 */
export async function proveByDns(origin: string, token: string, settings: DnsProofSettings): Promise<void> {
  const host = new URL(origin).hostname;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0)
    throw new OriginProofError(`${origin} is an IP address, which has no DNS name: use the file method`);
  const name = verificationRecordName(host);
  const resolver = new Resolver({ timeout: settings.timeoutMs, tries: 2 });
  if (settings.servers.length > 0) resolver.setServers([...settings.servers]);
  let records: string[][];
  try {
    records = await resolver.resolveTxt(name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') throw new OriginProofError(`${name} has no TXT record`);
    if (code === 'ETIMEOUT') throw new OriginProofError(`the DNS query for ${name} timed out`);
    throw new OriginProofError(`the DNS query for ${name} failed (${code ?? 'error'})`);
  }
  // A record longer than 255 characters comes in several strings: they are one value.
  if (!records.some((strings) => strings.join('').includes(token)))
    throw new OriginProofError(`no TXT record of ${name} contains this origin's verification token`);
}
