import { createRequire } from "node:module"

/**
 * The package's version, read from its package.json at run time (a self-reference, so it resolves the same from src/,
 * dist/ and the checkout's bundle, and the compiled output keeps its layout).
 */
export const packageVersion: string =
  (createRequire(import.meta.url)("mywebintelligence/package.json") as { readonly version: string }).version
