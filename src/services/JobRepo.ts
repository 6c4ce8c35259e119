import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import * as crypto from "node:crypto"
import * as os from "node:os"
import { JobNotFound } from "../domain/errors.js"
import { JobId, type LandId } from "../domain/ids.js"
import { countersOf, Job, JobKind, type JobStatus, type JobTally } from "../domain/job.js"
import { isProcessAlive } from "./DataDirLock.js"
import { orDieOnParse } from "./sql-errors.js"

// A running job proves it is alive by its heartbeat; one silent for longer than this belongs to a dead process.
export const STALE_AFTER_SECONDS = 30

/** This process, as written in the jobs it runs: host, pid and a token that tells apart a later process with the same pid. */
export const thisWorker = `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString("hex")}`

/** Whether a worker id names a process of this host that is gone (or this process under an older id). */
export const workerIsDead = (worker: string | null): boolean => {
  if (worker === null) return false
  const [host, pidText] = worker.split(":")
  const pid = Number(pidText)
  if (host !== os.hostname() || !Number.isInteger(pid)) return false
  return pid === process.pid ? worker !== thisWorker : !isProcessAlive(pid)
}

const JobRow = Schema.Struct({
  id: JobId,
  landId: Schema.Number,
  kind: JobKind,
  parameters: Schema.Unknown,
  status: Schema.String,
  queued: Schema.Int,
  fetched: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int,
  discovered: Schema.Int,
  progress: Schema.Number,
  stage: Schema.NullOr(Schema.String),
  result: Schema.Unknown,
  error: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf,
  startedAt: Schema.NullOr(Schema.DateFromSelf),
  finishedAt: Schema.NullOr(Schema.DateFromSelf),
  heartbeatAt: Schema.NullOr(Schema.DateFromSelf)
})

const toJob = (r: typeof JobRow.Type) =>
  Schema.decodeUnknownSync(Job)({
    id: r.id,
    landId: r.landId,
    kind: r.kind,
    parameters: r.parameters ?? {},
    status: r.status,
    // The `fetched` column holds every kind's items done (see JobTally).
    counters: countersOf(r.kind, { queued: r.queued, done: r.fetched, failed: r.failed, skipped: r.skipped, discovered: r.discovered }),
    progress: r.progress,
    stage: r.stage,
    result: r.result ?? null,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    heartbeatAt: r.heartbeatAt
  })

/** Job rows: what a job was asked to do, where it stands, and its counters, so a restart can tell and resume. */
export class JobRepo extends Effect.Service<JobRepo>()("mwi/JobRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decodeRows = Schema.decodeUnknown(Schema.Array(JobRow))
    const many = <E>(q: Effect.Effect<ReadonlyArray<unknown>, E>) =>
      q.pipe(Effect.flatMap(decodeRows), orDieOnParse, Effect.map((rs) => rs.map(toJob)))

    const create = (landId: LandId, kind: JobKind, parameters: Record<string, unknown>) =>
      many(sql`INSERT INTO jobs (land_id, kind, parameters) VALUES (${landId}, ${kind}, ${JSON.stringify(parameters)}::jsonb)
               RETURNING *`).pipe(Effect.map((js) => js[0]!), Effect.withSpan("JobRepo.create"))

    const get = (id: number) =>
      many(sql`SELECT * FROM jobs WHERE id = ${id}`).pipe(
        Effect.flatMap((js) => js[0] ? Effect.succeed(js[0]) : Effect.fail(new JobNotFound({ id })))
      )

    const listByLand = (landId: LandId, limit = 100, offset = 0) =>
      many(sql`SELECT * FROM jobs WHERE land_id = ${landId} ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`)

    const countByLand = (landId: LandId) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE land_id = ${landId}`.pipe(Effect.map((rs) => rs[0]?.n ?? 0))

    const start = (id: JobId) =>
      sql`UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, now()), heartbeat_at = now(),
                          finished_at = NULL, error = NULL, worker = ${thisWorker}
          WHERE id = ${id}`.pipe(Effect.asVoid)

    /**
     * Adds what this process counted since its last report (`added`; the queue is set, not added), so that several
     * processes working on one job add up; answers the job's totals and status.
     */
    const report = (id: JobId, added: JobTally, progress: number, stage: string | null) =>
      sql<{ fetched: number; failed: number; skipped: number; discovered: number; status: JobStatus }>`
        UPDATE jobs SET queued = ${added.queued}, fetched = fetched + ${added.done}, failed = failed + ${added.failed},
                        skipped = skipped + ${added.skipped}, discovered = discovered + ${added.discovered},
                        progress = ${progress}, stage = ${stage}, heartbeat_at = now()
        WHERE id = ${id}
        RETURNING fetched, failed, skipped, discovered, status`.pipe(
        Effect.map((rs) => {
          const r = rs[0]
          return r === undefined ? null : {
            totals: { queued: added.queued, done: r.fetched, failed: r.failed, skipped: r.skipped, discovered: r.discovered },
            status: r.status
          }
        })
      )

    /** Writes a job's end; with `onlyIfRunning`, only over a running job or one already in that state (a shared job). */
    const finish = (id: JobId, status: JobStatus, result: Record<string, unknown> | null, error: string | null, onlyIfRunning = false) =>
      sql`UPDATE jobs SET status = ${status}, result = ${result === null ? null : JSON.stringify(result)}::jsonb,
                          error = ${error}, finished_at = now(), heartbeat_at = now()
          WHERE id = ${id} AND (${!onlyIfRunning} OR status IN ('running', ${status}))`.pipe(Effect.asVoid)

    /**
     * Running jobs of a land whose process is gone become interrupted: a process of this host that no longer exists,
     * or (another host's) a heartbeat silent for too long. A job several workers share is dead once all of them are.
     */
    const interruptStale = (landId?: LandId) =>
      Effect.gen(function*() {
        const running = yield* sql<{ id: number; worker: string | null; stale: boolean; helpers: ReadonlyArray<string> }>`
          SELECT id, worker, (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})) AS stale,
            ARRAY(SELECT w.id FROM worker_jobs wj JOIN workers w ON w.id = wj.worker
                  WHERE wj.job_id = jobs.id AND w.heartbeat_at >= now() - make_interval(secs => ${STALE_AFTER_SECONDS})) AS helpers
          FROM jobs WHERE ${landId === undefined ? sql`TRUE` : sql`land_id = ${landId}`} AND status IN ('running', 'queued')`
        const dead = running.filter((j) => j.stale || [j.worker, ...j.helpers].every(workerIsDead)).map((j) => j.id)
        if (dead.length === 0) return []
        yield* sql`UPDATE jobs SET status = 'interrupted', finished_at = now()
                   WHERE id = ANY(${dead}::int[]) AND status IN ('running', 'queued')`
        return dead
      })

    const liveOnLand = (landId: LandId, kind: JobKind) =>
      many(sql`SELECT * FROM jobs WHERE land_id = ${landId} AND kind = ${kind} AND status = 'running'
                 AND heartbeat_at >= now() - make_interval(secs => ${STALE_AFTER_SECONDS})`)

    /** Crawls running on the database, for a worker to join (not one this process started or joined last). */
    const runningCrawls = many(sql`SELECT * FROM jobs WHERE kind = 'crawl' AND status = 'running'
                                     AND worker IS DISTINCT FROM ${thisWorker}
                                     AND heartbeat_at >= now() - make_interval(secs => ${STALE_AFTER_SECONDS}) ORDER BY id`)

    /** Every running job, of every kind and process. */
    const running = many(sql`SELECT * FROM jobs WHERE status = 'running' ORDER BY id`)

    return { create, get, listByLand, countByLand, start, report, finish, interruptStale, liveOnLand, runningCrawls, running } as const
  })
}) {}
