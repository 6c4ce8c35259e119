import { useEffect, useState } from "preact/hooks"

// Hash routes (#/lands/3/pages?sort=depth): the server has one page to serve, and a view's filters live in its
// address, so reloading, going back or sharing a link keeps them.

export interface Route {
  readonly parts: ReadonlyArray<string>
  readonly params: URLSearchParams
}

const parse = (hash: string): Route => {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?")
  return { parts: path.split("/").filter((p) => p !== ""), params: new URLSearchParams(query) }
}

export const useRoute = () => {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const changed = () => setHash(location.hash)
    addEventListener("hashchange", changed)
    return () => removeEventListener("hashchange", changed)
  }, [])
  return parse(hash)
}

export const href = (path: string, params: Readonly<Record<string, string | number | undefined>> = {}) => {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") query.set(k, String(v))
  const q = query.toString()
  return `#${path}${q === "" ? "" : `?${q}`}`
}

export const go = (path: string, params: Readonly<Record<string, string | number | undefined>> = {}) => {
  location.hash = href(path, params)
}
