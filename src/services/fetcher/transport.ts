import { ConnectionRefused, FetchTimeout, HostNotFound, NetworkError, PrivateAddress, TlsFailure, type TransportFailure } from "../../domain/fetch.js"
import { findAddressRefused } from "../NetworkGuard.js"
import { describe } from "./body.js"

// A failed connection, named for what happened: the stored reason of a page is the truth a researcher acts on (a dead
// domain is not a robots.txt refusal), and `--retry failed --reason ...` selects by it.

const DNS_CODES = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA", "EAI_AGAIN"])
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "CERT_HAS_EXPIRED",
  "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID", "EPROTO"
])

/** The error codes (`code` properties) along a cause chain, outermost first. */
export const errorCodes = (error: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    e = (e as { cause?: unknown }).cause
  }
  return codes
}

const isTls = (code: string) => TLS_CODES.has(code) || /^(ERR_TLS_|ERR_SSL_|CERT_)/.test(code)

/** What a transport error (any error whose cause chain holds Node's or undici's) means for `url`. */
export const transportFailure = (url: string, error: unknown, timeoutMs: number): TransportFailure => {
  const refused = findAddressRefused(error)
  if (refused) return new PrivateAddress({ url, host: refused.host, address: refused.address })
  const codes = errorCodes(error)
  const dns = codes.find((c) => DNS_CODES.has(c))
  if (dns !== undefined) return new HostNotFound({ url, code: dns, temporary: dns === "EAI_AGAIN" })
  if (codes.includes("ECONNREFUSED")) return new ConnectionRefused({ url })
  if (codes.some((c) => c === "UND_ERR_CONNECT_TIMEOUT" || c === "ETIMEDOUT")) {
    return new FetchTimeout({ url, phase: "connect", timeoutMs })
  }
  if (codes.some(isTls)) return new TlsFailure({ url, detail: describe(error) })
  return new NetworkError({ url, message: describe(error) })
}

/** Whether another attempt may succeed: a failed connection may be transient; a missing domain or a bad certificate is not. */
export const isTransient = (failure: { readonly _tag: string; readonly temporary?: boolean }): boolean =>
  failure._tag === "NetworkError" || failure._tag === "FetchTimeout" || failure._tag === "ConnectionRefused" ||
  (failure._tag === "HostNotFound" && failure.temporary === true)
