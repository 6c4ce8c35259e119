import { Clock, Effect, Layer, Metric } from "effect"
import { type Job, tallyOf } from "../domain/job.js"
import { JobRepo } from "../services/JobRepo.js"
import { jobItemsDone } from "../services/Metrics.js"
import { Progress } from "../services/Progress.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"
import { snapshotOf } from "./events.js"

// As often as a job's row changes (its workers report once a second): one query of the running jobs per period.
const RELAY_EVERY = "1 second"
const FINAL_WAIT_PASSES = 5

const doneGauge = (job: Job) =>
  Metric.set(Metric.tagged(Metric.tagged(jobItemsDone, "job", String(job.id)), "kind", job.kind), tallyOf(job.kind, job.counters).done)

/**
 * On a PostgreSQL server, the jobs other processes work on (an `mwi worker`, a `land crawl` in a terminal, a job of a
 * kind this server does not join) reach this server's WebSockets and /metrics too: each running job's row, which holds
 * all its workers' counters, is relayed as a progress event when it changed, and as a final event once it ended.
 */
const relayJobsOfOthers = Effect.gen(function*() {
  const jobs = yield* JobRepo
  const progress = yield* Progress
  const followed = new Map<Job["id"], { mark: string; seq: number; waited: number }>()
  const rate = (job: Job, now: number) => {
    const elapsed = now - (job.startedAt ?? job.createdAt).getTime()
    const t = tallyOf(job.kind, job.counters)
    return elapsed > 0 ? Math.round(((t.done + t.failed + t.skipped) / elapsed) * 100_000) / 100 : 0
  }
  const pass = Effect.gen(function*() {
    const running = yield* jobs.running
    const now = yield* Clock.currentTimeMillis
    for (const job of running) {
      if (progress.worksOn(job.id)) {
        followed.delete(job.id)
        continue
      }
      yield* doneGauge(job)
      const mark = JSON.stringify([job.counters, job.stage])
      const seen = followed.get(job.id)
      if (seen?.mark === mark) continue
      const seq = (seen?.seq ?? 0) + 1
      followed.set(job.id, { mark, seq, waited: 0 })
      yield* progress.relay({ ...snapshotOf(job), type: "progress", seq, perSecond: rate(job, now) })
    }
    const still = new Set(running.map((j) => j.id))
    for (const [id, seen] of followed) {
      if (still.has(id)) continue
      if (progress.worksOn(id)) {
        followed.delete(id)
        continue
      }
      const job = yield* jobs.get(id)
      // A crawl's end is written by the worker that finds the frontier drained, its counters and summary a moment later
      // by each worker: the row is final once its summary is there (or after a few passes, for a process that died).
      if (job.result === null && seen.waited < FINAL_WAIT_PASSES) {
        seen.waited++
        continue
      }
      followed.delete(id)
      yield* doneGauge(job)
      yield* progress.relay({ ...snapshotOf(job), type: "final", seq: seen.seq + 1 })
    }
  })
  yield* pass.pipe(
    Effect.catchAllCause((cause) => Effect.logDebug("relaying other processes' jobs failed", cause)),
    Effect.zipRight(Effect.sleep(RELAY_EVERY)),
    Effect.forever
  )
})

/** Relays the other processes' jobs for as long as the server runs, on a PostgreSQL server (elsewhere, one process). */
export const JobRelayLive = Layer.scopedDiscard(Effect.gen(function*() {
  if (!(yield* WorkerRegistry).shared) return
  yield* Effect.forkScoped(relayJobsOfOthers)
}))
