import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A DNS server for the tests of the DNS verification method: UDP on 127.0.0.1, answering TXT
 * questions from a table the test sets (name → records), NXDOMAIN for any other name. Point the
 * server at it with PAVISE_ORIGIN_VERIFICATION_DNS_SERVERS=<address>.
 */
export interface TxtServer {
  /** 127.0.0.1:<port> */
  address: string;
  /** The TXT records of each name (lower case, no trailing dot); replaces the table. */
  records(table: Record<string, string[]>): void;
  /** The names asked for so far. */
  asked: string[];
  close(): Promise<void>;
}

const TXT = 16;

export async function startTxtServer(): Promise<TxtServer> {
  let table: Record<string, string[]> = {};
  const asked: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    // Header (12 bytes), then one question: labels, a zero byte, type and class.
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! !== 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += 1 + length;
    }
    const questionEnd = offset + 5;
    const type = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    asked.push(name);
    const records = type === TXT ? table[name] : undefined;
    const answers = (records ?? []).map((text) => {
      // A record's text in strings of at most 255 bytes each.
      const bytes = Buffer.from(text, 'utf8');
      const strings: Buffer[] = [];
      for (let i = 0; i < bytes.length || i === 0; i += 255) {
        const part = bytes.subarray(i, i + 255);
        strings.push(Buffer.concat([Buffer.from([part.length]), part]));
      }
      const data = Buffer.concat(strings);
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // the question's name
      fixed.writeUInt16BE(TXT, 2);
      fixed.writeUInt16BE(1, 4); // IN
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(data.length, 10);
      return Buffer.concat([fixed, data]);
    });
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the id
    header.writeUInt16BE(name in table ? 0x8180 : 0x8183, 2); // a response; NXDOMAIN for an unknown name
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    records(next) {
      table = next;
    },
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
