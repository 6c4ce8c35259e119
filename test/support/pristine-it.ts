import { it } from "@effect/vitest"

// @effect/vitest's layer() assigns its layered testers onto the `it` it exports, one object per process. Files share a
// fork's modules (no isolation), so each file starts from the testers as first loaded: a test-clock test never runs
// on another file's layer (whose live clock, or closed scope, it would get).
const key = Symbol.for("mwi/test/pristine-it")
const store = globalThis as unknown as Record<symbol, Partial<typeof it> | undefined>
const pristine = store[key] ??= { effect: it.effect, scoped: it.scoped, live: it.live, scopedLive: it.scopedLive, layer: it.layer, prop: it.prop, flakyTest: it.flakyTest }
Object.assign(it, pristine)
