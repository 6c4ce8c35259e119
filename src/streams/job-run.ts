import type { SqlError } from "@effect/sql/SqlError"
import { Cause, Clock, Deferred, Effect, Fiber, Metric, Ref } from "effect"
import { JobAlreadyRunning } from "../domain/errors.js"
import type { JobId, LandId } from "../domain/ids.js"
import { countersOf, type Job, type JobKind, type JobStatus, type JobTally, tallyOf, unitOf } from "../domain/job.js"
import { JobRepo } from "../services/JobRepo.js"
import { frontierSize, jobItemsDone, runningJobs } from "../services/Metrics.js"
import { type JobEvent, Progress } from "../services/Progress.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"

const REPORT_EVERY_MS = 1000
const PROGRESS_EVERY_MS = 200

/** How a job is started and watched, whatever its kind (crawl, readable, media...). */
export interface JobHooks {
  /** Continue this job (its parameters and counters) instead of starting a new one. */
  readonly resumeJobId?: JobId | undefined
  /** Called once the job row exists, before any work (the API answers with the job id then). */
  readonly onJob?: ((job: Job) => Effect.Effect<void>) | undefined
  /** Set when the job is stopped on purpose: it ends `cancelled` rather than `interrupted` (resumable). */
  readonly cancelled?: Ref.Ref<boolean> | undefined
}

/** What a job's body sees: its row, and the counters it moves (published as progress, saved as heartbeat). */
export interface JobTracker {
  readonly job: Job
  readonly count: (f: (c: JobTally) => JobTally) => Effect.Effect<void>
  readonly stage: (name: string) => Effect.Effect<void>
  /** Shows the intervals of the job's hosts (its politeness lane's) in its progress events. */
  readonly showIntervals: (intervals: () => NonNullable<JobEvent["hosts"]>) => void
}

export interface JobFinal {
  readonly job: Job
  readonly status: JobStatus
  readonly counters: JobTally
  readonly elapsedMs: number
  /** Items done per second by this run (done + failed + skipped). */
  readonly perSecond: number
}

export interface JobSpec<S> {
  readonly kind: JobKind
  readonly landId: LandId
  readonly parameters: Record<string, unknown>
  /** Items still to do, for the progress fraction and the `queued` counter. */
  readonly remaining: Effect.Effect<number, SqlError>
  /** Runs before the body: on the interrupted jobs of the land found dead, and on the job (new or resumed). */
  readonly prepare?: ((dead: ReadonlyArray<number>, job: Job, resumed: boolean) => Effect.Effect<void, SqlError>) | undefined
  /** Runs when the job ends however it ends, before its final state is written (e.g. give claims back). */
  readonly release?: ((job: Job) => Effect.Effect<void, SqlError>) | undefined
  /**
   * Several processes may work on the job at once (on a PostgreSQL server): each registers on it, its counters add up
   * in the job row, it stops when the job ends elsewhere, and its leaving ends the job only if no other worker is left.
   */
  readonly shared?: boolean | undefined
  readonly summarize: (final: JobFinal) => S
}

const minus = (a: JobTally, b: JobTally): JobTally => ({
  queued: a.queued,
  done: a.done - b.done,
  failed: a.failed - b.failed,
  skipped: a.skipped - b.skipped,
  discovered: a.discovered - b.discovered
})

const plus = (a: JobTally, b: JobTally): JobTally => ({
  queued: a.queued,
  done: a.done + b.done,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
  discovered: a.discovered + b.discovered
})

/**
 * Runs a job: refuses to start a second live job of the same kind on a land, marks dead ones interrupted, keeps the
 * job row's counters and heartbeat current, publishes throttled progress events and a final one, and writes the end
 * state (completed, failed with the reason, cancelled, or interrupted and resumable).
 */
export const runJob = <S, E, R>(
  spec: JobSpec<S>,
  hooks: JobHooks,
  body: (tracker: JobTracker) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const progress = yield* Progress
    const registry = yield* WorkerRegistry
    const shared = spec.shared === true && registry.shared
    const dead = yield* jobs.interruptStale(spec.landId)
    const live = (yield* jobs.liveOnLand(spec.landId, spec.kind)).filter((j) => j.id !== hooks.resumeJobId)
    if (live[0] !== undefined) return yield* new JobAlreadyRunning({ landId: spec.landId, jobId: live[0].id })
    const resumed = hooks.resumeJobId !== undefined
    const job = resumed ? yield* jobs.get(hooks.resumeJobId!) : yield* jobs.create(spec.landId, spec.kind, spec.parameters)
    if (spec.prepare) yield* spec.prepare(dead, job, resumed)
    yield* jobs.start(job.id)
    if (shared) yield* registry.join(job.id)
    if (hooks.onJob) yield* hooks.onJob(job)

    const startedAt = yield* Clock.currentTimeMillis
    const counters = yield* Ref.make<JobTally>(tallyOf(spec.kind, job.counters))
    // The counters as the job row had them at the last report: what is beyond them is this process's to add.
    const reported = yield* Ref.make<JobTally>(tallyOf(spec.kind, job.counters))
    // The job's status when another process ended it (completed, cancelled).
    const endedElsewhere = yield* Deferred.make<JobStatus>()
    const stage = yield* Ref.make<string>("starting")
    const finished = (c: JobTally) => c.done + c.failed + c.skipped
    const base = finished(yield* Ref.get(counters))
    let seq = 0
    let intervals: (() => NonNullable<JobEvent["hosts"]>) | undefined

    const event = (status: JobStatus, type: JobEvent["type"], error: string | null) =>
      Effect.gen(function*() {
        const c = yield* Ref.get(counters)
        const elapsedMs = (yield* Clock.currentTimeMillis) - startedAt
        return {
          type,
          jobId: job.id,
          landId: spec.landId,
          kind: spec.kind,
          seq: ++seq,
          status,
          counters: countersOf(spec.kind, c),
          perSecond: elapsedMs > 0 ? Math.round(((finished(c) - base) / elapsedMs) * 100_000) / 100 : 0,
          unit: unitOf(spec.kind),
          elapsedMs,
          stage: yield* Ref.get(stage),
          error,
          ...(intervals === undefined ? {} : { hosts: intervals() })
        } satisfies JobEvent
      })

    // One report at a time: the ticker's and the final one, run together, would both add the counts since the last.
    const reporting = yield* Effect.makeSemaphore(1)
    const heartbeat = reporting.withPermits(1)(Effect.gen(function*() {
      const remaining = yield* spec.remaining
      yield* Metric.set(Metric.tagged(frontierSize, "land", String(spec.landId)), remaining)
      const c = { ...(yield* Ref.get(counters)), queued: remaining }
      const total = finished(c) + remaining
      const row = yield* jobs.report(job.id, minus(c, yield* Ref.get(reported)), total === 0 ? 1 : (total - remaining) / total, yield* Ref.get(stage))
      if (row === null) return
      yield* Ref.set(reported, row.totals)
      yield* Metric.set(Metric.tagged(Metric.tagged(jobItemsDone, "job", String(job.id)), "kind", spec.kind), row.totals.done)
      yield* Ref.update(counters, (now) => plus(row.totals, minus(now, c)))
      if (shared && row.status !== "running") yield* Deferred.succeed(endedElsewhere, row.status)
    }))

    const ticker = Effect.gen(function*() {
      let last = ""
      let lastReport = 0
      for (;;) {
        yield* Effect.sleep(PROGRESS_EVERY_MS)
        const now = yield* Clock.currentTimeMillis
        if (now - lastReport >= REPORT_EVERY_MS) {
          lastReport = now
          yield* heartbeat
        }
        const mark = JSON.stringify([yield* Ref.get(counters), yield* Ref.get(stage), intervals?.()])
        if (mark !== last) {
          last = mark
          yield* progress.publish(yield* event("running", "progress", null))
        }
      }
    })

    const finish = (status: JobStatus, error: string | null) =>
      Effect.gen(function*() {
        if (spec.release) yield* spec.release(job)
        // A worker leaving a job others go on with (stopped, or failed alone) leaves its state to them.
        const othersGoOn = shared ? yield* registry.leave(job.id) : false
        yield* heartbeat
        const final = yield* event(status, "final", error)
        const summary = spec.summarize({
          job,
          status,
          counters: yield* Ref.get(counters),
          elapsedMs: final.elapsedMs,
          perSecond: final.perSecond
        })
        if (!othersGoOn || status === "completed" || status === "cancelled") {
          yield* jobs.finish(job.id, status, summary as Record<string, unknown>, error, shared)
        }
        yield* progress.publish(final)
        return summary
      })

    const tracker: JobTracker = {
      job,
      // An item finished leaves what remains to do: `queued` follows at once, not at the next heartbeat (a second
      // later), so done + queued stays steady between two counts of the database.
      count: (f) =>
        Ref.update(counters, (c) => {
          const next = f(c)
          return { ...next, queued: Math.max(0, next.queued - (finished(next) - finished(c))) }
        }),
      stage: (name) => Ref.set(stage, name),
      showIntervals: (f) => {
        intervals = f
      }
    }
    yield* Metric.increment(runningJobs)
    yield* Effect.addFinalizer(() => Metric.incrementBy(runningJobs, -1))
    const ticking = yield* Effect.forkScoped(ticker.pipe(Effect.ignore))
    const work: Effect.Effect<JobStatus, E, R> = Effect.as(body(tracker), "completed" as const)
    const summary = yield* (shared ? Effect.raceFirst(work, Deferred.await(endedElsewhere)) : work).pipe(
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          const cancelled = hooks.cancelled ? yield* Ref.get(hooks.cancelled) : false
          yield* finish(cancelled ? "cancelled" : "interrupted", null).pipe(Effect.ignore)
        })
      ),
      Effect.tapErrorCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.void
        const error = Cause.squash(cause)
        return finish("failed", error instanceof Error ? error.message : String(error)).pipe(Effect.ignore)
      }),
      Effect.flatMap((status) => finish(status, null))
    )
    yield* Fiber.interrupt(ticking)
    return summary
  }).pipe(Effect.scoped, Effect.withSpan(`job.${spec.kind}`, { attributes: { landId: spec.landId } }))
