import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import fc from "fast-check"
import { BlockList } from "node:net"
import { type AddressClass, classifyAddress } from "../src/domain/ip.js"
import { Fetcher } from "../src/services/Fetcher.js"
import { NetworkGuard } from "../src/services/NetworkGuard.js"
import { startFixtureServer } from "./support/fixture-server.js"

const config = { timeoutMs: 1_000, retries: 1, backoffBaseMs: 10 }

describe("classifyAddress", () => {
  const cases: ReadonlyArray<readonly [string, AddressClass]> = [
    ["8.8.8.8", "public"],
    ["93.184.216.34", "public"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["100.128.0.1", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "reserved"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:c0a8:0101::1", "private"],
    ["2001:db8::1", "reserved"],
    ["2606:4700:4700::1111", "public"],
    ["2a00:1450:4007:80e::200e", "public"],
    ["example.org", "invalid"],
    ["1.2.3", "invalid"],
    ["01.2.3.4", "invalid"],
    ["1::2::3", "invalid"],
    ["[::1]", "invalid"]
  ]
  for (const [ip, expected] of cases) {
    it(`${ip} is ${expected}`, () => assert.strictEqual(classifyAddress(ip), expected))
  }

  // Node's own BlockList, loaded with every non-public range, is an independent oracle.
  const nonPublic = new BlockList()
  for (
    const [net, bits] of [
      ["0.0.0.0", 8],
      ["10.0.0.0", 8],
      ["100.64.0.0", 10],
      ["127.0.0.0", 8],
      ["169.254.0.0", 16],
      ["172.16.0.0", 12],
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["192.88.99.0", 24],
      ["192.168.0.0", 16],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["224.0.0.0", 3]
    ] as const
  ) nonPublic.addSubnet(net, bits, "ipv4")

  it("IPv4: non-public exactly on the reserved ranges", () =>
    fc.assert(fc.property(fc.ipV4(), (ip) => (classifyAddress(ip) !== "public") === nonPublic.check(ip, "ipv4"))))

  const octet = fc.integer({ min: 0, max: 255 })
  it("IPv4: every address of 10/8, 172.16/12, 192.168/16, 100.64/10 is private", () =>
    fc.assert(fc.property(
      fc.oneof(
        fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
        fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
        fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
        fc.tuple(fc.integer({ min: 64, max: 127 }), octet, octet).map(([b, c, d]) => `100.${b}.${c}.${d}`)
      ),
      (ip) => classifyAddress(ip) === "private"
    )))

  it("IPv4-mapped IPv6, dotted or hex, classifies like the IPv4 address", () =>
    fc.assert(fc.property(fc.ipV4(), (ip) => {
      const [a, b, c, d] = ip.split(".").map(Number) as [number, number, number, number]
      const hex = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
      const expected = classifyAddress(ip)
      return classifyAddress(`::ffff:${ip}`) === expected && classifyAddress(hex) === expected &&
        classifyAddress(`0:0:0:0:0:ffff:${ip}`) === expected
    })))

  it("IPv6: any spelling classifies like its canonical form, never invalid", () =>
    fc.assert(fc.property(fc.ipV6(), (ip) => {
      const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1)
      const cls = classifyAddress(ip)
      return cls !== "invalid" && cls === classifyAddress(canonical) && cls === classifyAddress(ip.toUpperCase())
    })))

  const group = fc.integer({ min: 0, max: 0xffff })
  const v6In = (min: number, max: number) =>
    fc.tuple(fc.integer({ min, max }), fc.array(group, { minLength: 7, maxLength: 7 }))
      .map(([first, rest]) => [first, ...rest].map((g) => g.toString(16)).join(":"))
  it("IPv6: unique-local, link-local and multicast ranges are classified as such", () =>
    fc.assert(fc.property(
      fc.oneof(
        v6In(0xfc00, 0xfdff).map((ip) => [ip, "unique-local"] as const),
        v6In(0xfe80, 0xfebf).map((ip) => [ip, "link-local"] as const),
        v6In(0xff00, 0xffff).map((ip) => [ip, "multicast"] as const)
      ),
      ([ip, expected]) => classifyAddress(ip) === expected
    )))
})

describe("NetworkGuard", () => {
  const guard = (allowPrivateNetwork: boolean) => Effect.provide(NetworkGuard, NetworkGuard.layer({ allowPrivateNetwork }))

  it.live("check refuses loopback literals and names, unless allowed", () =>
    Effect.gen(function*() {
      const strict = yield* guard(false)
      for (const url of ["http://127.0.0.1/", "http://[::1]:8080/", "http://localhost/", "http://[::ffff:10.0.0.1]/"]) {
        const error = yield* Effect.flip(strict.check(url))
        assert.strictEqual(error._tag, "PrivateAddress", url)
      }
      const open = yield* guard(true)
      yield* open.check("http://127.0.0.1/")
      yield* open.check("http://localhost/")
    }))

  it.live("MWI_ALLOW_PRIVATE_NETWORK=1 allows private networks", () =>
    Effect.gen(function*() {
      const fromEnv = (value: string | undefined) =>
        Effect.provide(
          NetworkGuard,
          NetworkGuard.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
            new Map(value === undefined ? [] : [["MWI_ALLOW_PRIVATE_NETWORK", value]])
          ))))
        )
      assert.isTrue((yield* fromEnv("1")).allowPrivateNetwork)
      assert.isTrue((yield* fromEnv("true")).allowPrivateNetwork)
      assert.isFalse((yield* fromEnv("0")).allowPrivateNetwork)
      assert.isFalse((yield* fromEnv(undefined)).allowPrivateNetwork)
    }))

  it.scopedLive("the Fetcher refuses loopback URLs (literal and resolved) without sending anything", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>") })
      const fetcher = yield* Fetcher
      for (const host of ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"]) {
        const error = yield* Effect.flip(fetcher.fetch(`http://${host}:${server.port}/`))
        assert.strictEqual(error._tag, "PrivateAddress", host)
        if (error._tag === "PrivateAddress") assert.strictEqual(classifyAddress(error.address), "loopback")
      }
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(Fetcher.layer({ config, allowPrivateNetwork: false }))))

  it.scopedLive("the Fetcher reaches loopback when private networks are allowed", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>") })
      const page = yield* (yield* Fetcher).fetch(server.url("/"))
      assert.strictEqual(page.status, 200)
      assert.strictEqual(server.requests.length, 1)
    }).pipe(Effect.provide(Fetcher.layer({ config, allowPrivateNetwork: true }))))
})
