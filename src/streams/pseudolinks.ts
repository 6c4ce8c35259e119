import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Ref } from "effect"
import type { LandId } from "../domain/ids.js"
import type { LandNotEmbedded, PseudolinksReport, PseudolinksRequest } from "../domain/search.js"
import type { InvalidInput } from "../domain/errors.js"
import { LandRepo } from "../services/LandRepo.js"
import { Pseudolinks } from "../services/Pseudolinks.js"
import type { JobStatus } from "../domain/job.js"
import { type JobHooks, runJob } from "./job-run.js"

export interface PseudolinksSummary {
  readonly jobId: number
  readonly landId: number
  readonly status: JobStatus
  readonly report: PseudolinksReport | null
  readonly durationMs: number
}

/**
 * A pseudolinks job: the land's paragraphs searched against its vector index in batches, the pairs stored as they
 * are found; progress counts paragraphs `searched` and `pairs` stored. Cancelled or killed, it is
 * run again from the start (each run replaces the land's pairs).
 */
export const pseudolinksLand = (landId: LandId, options: PseudolinksRequest, hooks: JobHooks = {}) =>
  Effect.gen(function*() {
    const pseudolinks = yield* Pseudolinks
    const land = yield* (yield* LandRepo).find(landId)
    yield* pseudolinks.modelOf(land)
    const remaining = yield* Ref.make(0)
    const outcome: { report: PseudolinksReport | null } = { report: null }
    return yield* runJob<PseudolinksSummary, SqlError | LandNotEmbedded | InvalidInput, never>({
      kind: "pseudolinks",
      landId: land.id,
      parameters: options as unknown as Record<string, unknown>,
      remaining: Ref.get(remaining),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        report: outcome.report,
        durationMs: f.elapsedMs
      })
    }, hooks, (tracker) =>
      Effect.gen(function*() {
        yield* tracker.stage("pseudolinks")
        outcome.report = yield* pseudolinks.compute(land, options, (paragraphs, total, pairs) =>
          Effect.zipRight(
            Ref.set(remaining, total - paragraphs),
            tracker.count((c) => ({ ...c, done: paragraphs, discovered: pairs }))
          ))
        yield* tracker.stage("done")
      }))
  })
