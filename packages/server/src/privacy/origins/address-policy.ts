import { BlockList, isIP } from 'node:net';

/**
 * Addresses an origin's verification must not reach unless PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE
 * says so: loopback, private, link-local, carrier-grade NAT, multicast, reserved and documentation
 * ranges, and the IPv6 forms that embed or translate to IPv4 ones. Otherwise a member could point
 * the server at its own network (a database port, a cloud metadata service) and learn from the
 * answer. IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are checked as the IPv4 address they are.
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP address, brackets allowed) is internal in the sense above; a non-address is. */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return true;
  return INTERNAL.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
