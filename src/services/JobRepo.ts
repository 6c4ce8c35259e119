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
const thisWorker = `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString("hex")}`

const workerIsDead = (worker: string | null): boolean => {
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

    const report = (id: JobId, counters: JobTally, progress: number, stage: string | null) =>
      sql`UPDATE jobs SET queued = ${counters.queued}, fetched = ${counters.done}, failed = ${counters.failed},
                          skipped = ${counters.skipped}, discovered = ${counters.discovered},
                          progress = ${progress}, stage = ${stage}, heartbeat_at = now()
          WHERE id = ${id}`.pipe(Effect.asVoid)

    const finish = (id: JobId, status: JobStatus, result: Record<string, unknown> | null, error: string | null) =>
      sql`UPDATE jobs SET status = ${status}, result = ${result === null ? null : JSON.stringify(result)}::jsonb,
                          error = ${error}, finished_at = now(), heartbeat_at = now()
          WHERE id = ${id}`.pipe(Effect.asVoid)

    /**
     * Running jobs of a land whose process is gone become interrupted: a process of this host that no longer exists,
     * or (another host's) a heartbeat silent for too long.
     */
    const interruptStale = (landId?: LandId) =>
      Effect.gen(function*() {
        const running = yield* sql<{ id: number; worker: string | null; stale: boolean }>`
          SELECT id, worker, (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})) AS stale
          FROM jobs WHERE ${landId === undefined ? sql`TRUE` : sql`land_id = ${landId}`} AND status IN ('running', 'queued')`
        const dead = running.filter((j) => j.stale || workerIsDead(j.worker)).map((j) => j.id)
        if (dead.length === 0) return []
        yield* sql`UPDATE jobs SET status = 'interrupted', finished_at = now()
                   WHERE id = ANY(${dead}::int[]) AND status IN ('running', 'queued')`
        return dead
      })

    const liveOnLand = (landId: LandId, kind: JobKind) =>
      many(sql`SELECT * FROM jobs WHERE land_id = ${landId} AND kind = ${kind} AND status = 'running'
                 AND heartbeat_at >= now() - make_interval(secs => ${STALE_AFTER_SECONDS})`)

    return { create, get, listByLand, countByLand, start, report, finish, interruptStale, liveOnLand } as const
  })
}) {}
