import { Effect, Ref } from "effect"

/**
 * Tells this process's vector indexes that stored vectors changed (an embed job stored some, paragraphs were
 * replaced), so that their next use reads the database at once; changes made by other processes are found by the
 * indexes' own periodic check.
 */
export class VectorChanges extends Effect.Service<VectorChanges>()("mwi/VectorChanges", {
  effect: Effect.map(Ref.make(0), (generation) => ({
    changed: Ref.update(generation, (n) => n + 1),
    /** Grows at each change. */
    generation: Ref.get(generation)
  }))
}) {}
