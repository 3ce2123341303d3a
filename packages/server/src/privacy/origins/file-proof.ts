import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isInternalAddress } from './address-policy.js';
import { OriginProofError } from './proof-error.js';

/** The one path the file method reads, on the origin itself. */
export const VERIFICATION_FILE_PATH = '/.well-known/pavise-verification.txt';

export interface FileProofLimits {
  /** Whether the origin may resolve to an internal address (address-policy.ts). */
  allowPrivateAddresses: boolean;
  /** The whole exchange, connection included. */
  timeoutMs: number;
  /** The most bytes of the file read; a longer answer is refused. */
  maxBytes: number;
}

/**
 * The file method: GET <origin>/.well-known/pavise-verification.txt must answer 200 with the
 * token in its body. Only that path is asked for; a redirect is refused, never followed (it could
 * lead anywhere); the address the host resolves to is checked first and then the one connected
 * to (no second lookup that could answer differently); the exchange has a deadline and the body a
 * size limit.
 */
export async function proveByFile(origin: string, token: string, limits: FileProofLimits): Promise<void> {
  const url = new URL(VERIFICATION_FILE_PATH, origin);
  const where = `${origin}${VERIFICATION_FILE_PATH}`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const address = await vettedAddress(host, limits.allowPrivateAddresses);
  const body = await fetchSmall(url, address, limits, where);
  if (!body.includes(token)) throw new OriginProofError(`${where} does not contain this origin's verification token`);
}

/** The address to connect to: the host's own if it is one, else its first from DNS; every one must be allowed. */
async function vettedAddress(host: string, allowPrivate: boolean): Promise<LookupAddress> {
  const family = isIP(host);
  let addresses: LookupAddress[];
  if (family !== 0) addresses = [{ address: host, family }];
  else {
    try {
      addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
        dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
      );
    } catch {
      throw new OriginProofError(`${host} could not be resolved`);
    }
  }
  if (addresses.length === 0) throw new OriginProofError(`${host} could not be resolved`);
  // One internal address is enough to refuse: which one a client connects to is not ours to choose.
  if (!allowPrivate && addresses.some((a) => isInternalAddress(a.address)))
    throw new OriginProofError(
      `${host} resolves to a loopback, private or reserved address, which this server does not contact (PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE)`,
    );
  return addresses[0]!;
}

function fetchSmall(url: URL, address: LookupAddress, limits: FileProofLimits, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (message: string) => reject(new OriginProofError(message));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'GET',
        agent: false,
        // Connect to the address checked above, whatever DNS would answer now. TLS still checks
        // the certificate against the host name.
        lookup: (_hostname, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, [address]);
          else callback(null, address.address, address.family);
        },
        headers: { accept: 'text/plain', 'user-agent': 'Pavise origin verification' },
        timeout: limits.timeoutMs,
        signal: AbortSignal.timeout(limits.timeoutMs),
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          return fail(
            `${where} answered with a redirect (HTTP ${status}); redirects are not followed: serve the file at that address`,
          );
        }
        if (status !== 200) {
          response.destroy();
          return fail(`${where} answered HTTP ${status}, not 200`);
        }
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > limits.maxBytes) {
            response.destroy();
            return fail(`${where} is longer than ${limits.maxBytes} bytes`);
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', () => fail(`${where} could not be read to the end`));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: Error & { code?: string }) =>
      fail(
        error.name === 'AbortError' || error.message === 'timeout' || error.code === 'ABORT_ERR'
          ? `${where} did not answer within ${limits.timeoutMs / 1000} s`
          : `${where} could not be reached (${error.code ?? 'connection failed'})`,
      ),
    );
    request.end();
  });
}
