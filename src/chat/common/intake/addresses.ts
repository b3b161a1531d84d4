/**
 * Which IP addresses Easel may connect to when it fetches a user's file: global unicast only.
 *
 * Not a deny-list. Addresses are parsed and classified with ipaddr.js, whose range names follow the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), and the rule is
 * an allow-list: an IPv4 address must be in no special-purpose block at all (`unicast`); an IPv6
 * address must be in no special-purpose block *and* inside 2000::/3, the only block IANA allocates
 * global unicast from (so fec0::/10, 100::/64, ::/96 and whatever the registries add later are out
 * without being named here).
 *
 * IPv6 forms that carry an IPv4 address are unwrapped first and the IPv4 address is judged by the
 * same rule, so the log names what was really targeted:
 *
 *   ::ffff:a.b.c.d         IPv4-mapped (RFC 4291)      allowed iff a.b.c.d is global (the kernel connects to it)
 *   64:ff9b::a.b.c.d       NAT64 well-known (RFC 6052) allowed iff a.b.c.d is global (IANA: globally reachable)
 *   ::a.b.c.d              IPv4-compatible (deprecated) never
 *   ::ffff:0:a.b.c.d       SIIT (RFC 6145)             never (translator-local)
 *   64:ff9b:1::/48         local-use NAT64 (RFC 8215)  never (its translation is the operator's own)
 *   2002:AABB:CCDD::/48    6to4 (RFC 3056, deprecated) never
 *   2001:0:S:S:f:p:~C:~C   Teredo (RFC 4380)           never
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { global: true } | { global: false; reason: string };

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parse('2000::');

/** The IPv4 address an IPv6 address carries, and the form it is carried in; undefined when none. */
export function embeddedIPv4(v6: ipaddr.IPv6): { form: string; ipv4: ipaddr.IPv4 } | undefined {
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return { form: 'IPv4-mapped', ipv4: v4(p[6], p[7]) };
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return { form: 'SIIT', ipv4: v4(p[6], p[7]) };
  // ::/96 minus :: and ::1 (their own ranges): the deprecated IPv4-compatible form.
  if (zeros(0, 6) && (p[6] !== 0 || p[7] > 1)) return { form: 'IPv4-compatible', ipv4: v4(p[6], p[7]) };
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return { form: 'NAT64', ipv4: v4(p[6], p[7]) };
  // Local-use NAT64 may use any RFC 6052 prefix length; the /96 position is the one worth naming.
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return { form: 'local-use NAT64', ipv4: v4(p[6], p[7]) };
  if (p[0] === 0x2002) return { form: '6to4', ipv4: v4(p[1], p[2]) };
  // Teredo: the client's address is the last 32 bits, inverted.
  if (p[0] === 0x2001 && p[1] === 0) return { form: 'Teredo', ipv4: v4(p[6] ^ 0xffff, p[7] ^ 0xffff) };
  return undefined;
}

function classifyV4(v4: ipaddr.IPv4): AddressVerdict {
  const range = v4.range();
  return range === 'unicast' ? { global: true } : { global: false, reason: `${v4.toString()} is ${range}` };
}

/** Forms whose IPv4 address is reached as it is: judged by that address alone. */
const TRANSPARENT_FORMS = new Set(['IPv4-mapped', 'NAT64']);

/**
 * An IP literal as ipaddr.js objects. Validity is Node's own (`net.isIP`: dotted decimal only, no
 * `127.1` or hex forms); a trailing dotted quad in IPv6 is rewritten as two hex groups first, since
 * ipaddr.js reads `::a.b.c.d` as if it were `::ffff:a.b.c.d` (and glibc prints IPv4-compatible
 * addresses exactly that way).
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const family = isIP(address);
  if (family === 4) return ipaddr.IPv4.parse(address);
  // A zone index (fe80::1%eth0) only exists on link-local addresses.
  if (family !== 6 || address.includes('%')) return undefined;
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  return ipaddr.IPv6.parse(hex);
}

/** Whether `address` (an IP literal, as DNS gave it) is global unicast. Pure. */
export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
  try {
    parsed = parseAddress(address);
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { global: false, reason: `${address} is not an IP address` };
  if (parsed.kind() === 'ipv4') return classifyV4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    const inner = classifyV4(embedded.ipv4);
    if (!inner.global) return { global: false, reason: `${address} (${embedded.form}) embeds ${inner.reason}` };
    if (TRANSPARENT_FORMS.has(embedded.form)) return inner;
    return { global: false, reason: `${address} is ${embedded.form} (embeds ${embedded.ipv4.toString()}), never global unicast` };
  }
  const range = v6.range();
  if (range !== 'unicast') return { global: false, reason: `${address} is ${range}` };
  if (!v6.match(GLOBAL_UNICAST_V6, 3)) return { global: false, reason: `${address} is outside 2000::/3 (not global unicast)` };
  return { global: true };
}

/** Everything but global unicast: never connected to. */
export function isForbiddenAddress(address: string): boolean {
  return !classifyAddress(address).global;
}
