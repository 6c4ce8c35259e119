// How a checkout bundles its entry points with esbuild (bin/mwi.js, the test setup). Packages are bundled too: a thread
// or a command then compiles one file instead of resolving and loading hundreds of modules (an extraction thread
// starts in about half the CPU time). Left outside: packages with native binaries or WebAssembly files found beside
// their own modules, and the Mistral SDK, loaded only when used (its optional telemetry import would be hoisted).
export const bundleOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["@electric-sql/pglite", "usearch", "sharp", "esbuild", "@mistralai/mistralai"],
  // Bundled CommonJS modules call require() for Node's own modules, which an ES module lacks.
  banner: { js: "import { createRequire as __mwiRequire } from \"node:module\"; const require = __mwiRequire(import.meta.url);" }
}
