/**
 * What an IP address reaches. Only "public" may be fetched by default: everything else could turn the crawler against
 * the network it runs in (SSRF), so unknown or odd forms are classified conservatively as non-public.
 */
export type AddressClass =
  | "public"
  | "private" // RFC 1918, CGNAT 100.64/10, deprecated IPv6 site-local
  | "loopback"
  | "link-local"
  | "unspecified"
  | "unique-local"
  | "multicast"
  | "broadcast"
  | "reserved" // documentation, benchmarking, "this network", 240/4, unassigned IPv6 space
  | "invalid"

type Octets = readonly [number, number, number, number]

const DECIMAL_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/
const HEX_GROUP = /^[0-9a-f]{1,4}$/i

const parseIPv4 = (text: string): Octets | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4 || !parts.every((part) => DECIMAL_OCTET.test(part))) return undefined
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number]
  return [a, b, c, d]
}

const parseGroups = (text: string): Array<number> | undefined => {
  if (text === "") return []
  const groups: Array<number> = []
  const parts = text.split(":")
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIPv4(part)
      if (v4 === undefined) return undefined
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16))
    } else {
      return undefined
    }
  }
  return groups
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored), or undefined when it is not one. */
const parseIPv6 = (text: string): ReadonlyArray<number> | undefined => {
  const address = text.replace(/%.*$/, "")
  const halves = address.split("::")
  if (halves.length > 2) return undefined
  if (halves.length === 1) {
    const groups = parseGroups(address)
    return groups !== undefined && groups.length === 8 ? groups : undefined
  }
  const head = parseGroups(halves[0]!)
  const tail = parseGroups(halves[1]!)
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail]
}

const classifyIPv4 = ([a, b, c, d]: Octets): AddressClass => {
  if (a === 0) return b === 0 && c === 0 && d === 0 ? "unspecified" : "reserved"
  if (a === 10) return "private"
  if (a === 100 && b >= 64 && b <= 127) return "private"
  if (a === 127) return "loopback"
  if (a === 169 && b === 254) return "link-local"
  if (a === 172 && b >= 16 && b <= 31) return "private"
  if (a === 192 && b === 168) return "private"
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "reserved"
  if (a === 192 && b === 88 && c === 99) return "reserved"
  if (a === 198 && (b === 18 || b === 19)) return "reserved"
  if (a === 198 && b === 51 && c === 100) return "reserved"
  if (a === 203 && b === 0 && c === 113) return "reserved"
  if (a >= 224 && a <= 239) return "multicast"
  if (a === 255 && b === 255 && c === 255 && d === 255) return "broadcast"
  if (a >= 240) return "reserved"
  return "public"
}

const embeddedIPv4 = (hi: number, lo: number): Octets => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]

const classifyIPv6 = (g: ReadonlyArray<number>): AddressClass => {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number]
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0
  if (zeroPrefix && g5 === 0 && g6 === 0) {
    if (g7 === 0) return "unspecified"
    if (g7 === 1) return "loopback"
  }
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (zeroPrefix && g5 === 0xffff) return classifyIPv4(embeddedIPv4(g6, g7))
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyIPv4(embeddedIPv4(g6, g7))
  }
  // 6to4 (2002:aabb:ccdd::/48) tunnels to the embedded IPv4 address.
  if (g0 === 0x2002) return classifyIPv4(embeddedIPv4(g1, g2))
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local"
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"
  if ((g0 & 0xffc0) === 0xfec0) return "private"
  if ((g0 & 0xff00) === 0xff00) return "multicast"
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0x0db8)) return "reserved" // Teredo, documentation
  // Only 2000::/3 is allocated global unicast; the rest (IPv4-compatible ::a.b.c.d, 100::/64, ...) is not routable.
  if ((g0 & 0xe000) !== 0x2000) return "reserved"
  return "public"
}

/** Classifies an IPv4 or IPv6 literal (IPv6 without brackets; a zone id is ignored). */
export const classifyAddress = (ip: string): AddressClass => {
  const v4 = parseIPv4(ip)
  if (v4 !== undefined) return classifyIPv4(v4)
  const v6 = parseIPv6(ip)
  return v6 === undefined ? "invalid" : classifyIPv6(v6)
}

