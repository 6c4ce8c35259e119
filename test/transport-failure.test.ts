import { assert, describe, it } from "@effect/vitest"
import { failureReason } from "../src/domain/fetch.js"
import { isTransient, transportFailure } from "../src/services/fetcher/transport.js"
import { AddressRefused } from "../src/services/NetworkGuard.js"

const url = "https://site.example:8443/page"
// As undici reports them: a wrapper whose cause chain holds Node's error with its code.
const wrapped = (code: string, message = `boom ${code}`) =>
  new Error("request failed", { cause: Object.assign(new Error(message), { code }) })

describe("transportFailure names what happened", () => {
  it("by the error codes along the cause chain", () => {
    const cases: Array<[string, string]> = [
      ["ENOTFOUND", "HostNotFound"],
      ["EAI_AGAIN", "HostNotFound"],
      ["ECONNREFUSED", "ConnectionRefused"],
      ["UND_ERR_CONNECT_TIMEOUT", "FetchTimeout"],
      ["ETIMEDOUT", "FetchTimeout"],
      ["CERT_HAS_EXPIRED", "TlsFailure"],
      ["DEPTH_ZERO_SELF_SIGNED_CERT", "TlsFailure"],
      ["ERR_TLS_CERT_ALTNAME_INVALID", "TlsFailure"],
      ["ERR_SSL_WRONG_VERSION_NUMBER", "TlsFailure"],
      ["ECONNRESET", "NetworkError"]
    ]
    for (const [code, tag] of cases) assert.strictEqual(transportFailure(url, wrapped(code), 1000)._tag, tag, code)
  })

  it("in the stored reason, with the host", () => {
    assert.strictEqual(
      failureReason(transportFailure(url, wrapped("ENOTFOUND"), 1000)),
      "HostNotFound: host not found: site.example:8443 does not resolve (DNS ENOTFOUND)"
    )
    assert.strictEqual(
      failureReason(transportFailure(url, wrapped("EAI_AGAIN"), 1000)),
      "HostNotFound: the name of site.example:8443 could not be resolved for now (DNS EAI_AGAIN)"
    )
    assert.strictEqual(failureReason(transportFailure(url, wrapped("ECONNREFUSED"), 1000)), "ConnectionRefused: connection refused by site.example:8443")
    assert.strictEqual(
      failureReason(transportFailure(url, wrapped("UND_ERR_CONNECT_TIMEOUT"), 1500)),
      "FetchTimeout: could not connect to site.example:8443 within 1500 ms"
    )
    assert.match(failureReason(transportFailure(url, wrapped("CERT_HAS_EXPIRED", "certificate has expired"), 1000)),
      /^TlsFailure: TLS failure with site\.example:8443: certificate has expired/)
  })

  it("a refusal by the network guard wins over any code", () => {
    const error = new Error("x", { cause: new AddressRefused("site.example", "10.0.0.1", "private") })
    assert.strictEqual(transportFailure(url, error, 1000)._tag, "PrivateAddress")
  })

  it("only transient failures are retried", () => {
    const transient = (code: string) => isTransient(transportFailure(url, wrapped(code), 1000))
    assert.isTrue(transient("ECONNREFUSED"))
    assert.isTrue(transient("ECONNRESET"))
    assert.isTrue(transient("EAI_AGAIN"))
    assert.isTrue(transient("UND_ERR_CONNECT_TIMEOUT"))
    assert.isFalse(transient("ENOTFOUND"))
    assert.isFalse(transient("CERT_HAS_EXPIRED"))
  })
})
