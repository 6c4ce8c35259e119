import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { normalizeUrl, sameHost, urlHost } from "../src/domain/url.js"

const ok = (raw: string, base?: string) => Either.getOrThrow(normalizeUrl(raw, base))
const reason = (raw: string) => Either.match(normalizeUrl(raw), { onLeft: (l) => l.reason, onRight: () => "ok" })

// Web URLs with the parts normalisation acts on: case, default ports, fragments, tracking parameters.
const webUrl = fc.record({
  scheme: fc.constantFrom("http", "https", "HTTP", "Https"),
  host: fc.domain(),
  upper: fc.boolean(),
  port: fc.option(fc.constantFrom(80, 443, 8080), { nil: undefined }),
  path: fc.webPath(),
  query: fc.array(fc.tuple(fc.constantFrom("a", "b", "utm_source", "fbclid", "gclid", "id", "UTM_Medium"), fc.webSegment()), { maxLength: 4 }),
  fragment: fc.option(fc.webFragments(), { nil: undefined })
}).map(({ scheme, host, upper, port, path, query, fragment }) =>
  `${scheme}://${upper ? host.toUpperCase() : host}${port ? `:${port}` : ""}${path}` +
  (query.length ? "?" + query.map(([k, v]) => `${k}=${v}`).join("&") : "") +
  (fragment !== undefined ? `#${fragment}` : ""))

describe("URL normalisation", () => {
  it("is idempotent", () =>
    fc.assert(fc.property(webUrl, (u) => {
      const once = ok(u)
      expect(ok(once)).toBe(once)
    })))

  it("lower-cases scheme and host, drops fragments, default ports and tracking parameters", () =>
    fc.assert(fc.property(webUrl, (u) => {
      const n = new URL(ok(u))
      expect(n.hash).toBe("")
      expect(n.protocol).toMatch(/^https?:$/)
      expect(n.hostname).toBe(n.hostname.toLowerCase())
      expect(n.port === "80" && n.protocol === "http:").toBe(false)
      expect(n.port === "443" && n.protocol === "https:").toBe(false)
      for (const key of n.searchParams.keys()) expect(key).not.toMatch(/^(utm_|fbclid$|gclid$)/i)
    })))

  it("keeps what distinguishes pages", () => {
    expect(ok("https://Example.org:443/A/b?x=1&utm_source=t&y=2#top")).toBe("https://example.org/A/b?x=1&y=2")
    expect(ok("http://example.org:8080")).toBe("http://example.org:8080/")
    expect(ok("https://example.org/?utm_source=a")).toBe("https://example.org/")
    expect(ok("https://example.org./p")).toBe("https://example.org/p")
    expect(ok("../c?q=1#f", "https://example.org/a/b/")).toBe("https://example.org/a/c?q=1")
    expect(ok("  https://example.org/é  ")).toBe("https://example.org/%C3%A9")
    expect(ok("https://EXAMPLE.org/%7Euser")).toBe(ok("https://example.org/~user"))
  })

  it("refuses what cannot be crawled, with the reason", () => {
    expect(reason("")).toBe("empty")
    expect(reason("not a url")).toBe("malformed")
    expect(reason("/relative/only")).toBe("malformed")
    expect(reason("mailto:a@example.org")).toBe("unsupported-scheme")
    expect(reason("javascript:alert(1)")).toBe("unsupported-scheme")
    expect(reason("ftp://example.org/")).toBe("unsupported-scheme")
    expect(reason("https://user:pw@example.org/")).toBe("credentials")
  })

  it("never throws on arbitrary input", () =>
    fc.assert(fc.property(fc.string(), fc.option(fc.webUrl(), { nil: undefined }), (s, base) => {
      const r = normalizeUrl(s, base)
      if (Either.isRight(r)) expect(ok(r.right)).toBe(r.right)
    })))
})

describe("host extraction", () => {
  it("is the host name with any non-default port", () => {
    expect(urlHost("https://example.org/a")).toBe("example.org")
    expect(urlHost("http://127.0.0.1:8080/x")).toBe("127.0.0.1:8080")
    expect(urlHost(ok("https://EXAMPLE.org:443/"))).toBe("example.org")
    expect(sameHost("http://a.example/1", "http://a.example/2")).toBe(true)
    expect(sameHost("http://a.example/", "http://a.example:8080/")).toBe(false)
  })

  it("agrees with the normalised URL's host", () =>
    fc.assert(fc.property(webUrl, (u) => {
      expect(urlHost(ok(u))).toBe(new URL(ok(u)).host)
    })))
})
