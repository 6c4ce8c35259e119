import { SqlClient } from "@effect/sql"
import { Config, Duration, Effect, Option, Schedule, Scope } from "effect"
import * as os from "node:os"
import type { JobId } from "../domain/ids.js"
import { DatabaseInfo } from "./Database.js"
import { thisWorker, workerIsDead } from "./JobRepo.js"

/** Seconds without a heartbeat after which a worker is dead: its hosts and claims go to the others. */
export const WorkerTimeout = Config.number("MWI_WORKER_TIMEOUT").pipe(
  Config.withDefault(30),
  Config.validate({ message: "MWI_WORKER_TIMEOUT must be a number of seconds above zero", validation: (n) => n > 0 })
)

/**
 * The processes working on a PostgreSQL server's jobs, each with a heartbeat. A process registers when it first takes
 * part in a job; from then on it beats every third of the timeout and reaps the workers that stopped beating: their
 * rows go (and with them their host leases and job memberships), their claimed URLs go back to the frontier. On the
 * embedded database there is one process, and nothing to share: `shared` is false and nothing is written.
 */
export class WorkerRegistry extends Effect.Service<WorkerRegistry>()("mwi/WorkerRegistry", {
  scoped: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const info = yield* Effect.serviceOption(DatabaseInfo)
    const shared = Option.isSome(info) && info.value.target._tag === "Server"
    const timeoutSeconds = yield* Effect.orDie(WorkerTimeout)
    const scope = yield* Effect.scope

    const beat = sql`
      INSERT INTO workers (id) VALUES (${thisWorker})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`

    // A worker reaped while it was alive (a long pause) registers again, having lost its hosts: its claims are only
    // taken from hosts it holds in the database, so it cannot go on with the others' hosts.
    // A worker of this host whose process is gone (kill -9, a crash) is dead at once: the same command started again
    // would otherwise wait out the timeout for the hosts and URLs it held.
    const reap = Effect.gen(function*() {
      const local = yield* sql<{ id: string }>`SELECT id FROM workers WHERE starts_with(id, ${`${os.hostname()}:`})`
      const gone = local.map((w) => w.id).filter(workerIsDead)
      yield* sql`DELETE FROM workers
        WHERE heartbeat_at < now() - make_interval(secs => ${timeoutSeconds}) OR id = ANY(${gone}::text[])`
      yield* sql`
        UPDATE expressions e SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL, claimed_worker = NULL
        WHERE e.crawl_state = 'claimed' AND e.claimed_worker IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = e.claimed_worker)`
    })

    const heartbeat = Effect.zipRight(beat, reap).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("worker heartbeat failed", cause)),
      Effect.repeat(Schedule.spaced(Duration.millis((timeoutSeconds * 1000) / 3)))
    )

    // Registered once, at the first job: a command that never crawls never shows up as a worker.
    const register = yield* Effect.cached(
      beat.pipe(
        // Leaving after the heartbeat stops: its leases free, the peers see it gone at once rather than after the timeout.
        Effect.zipRight(Scope.addFinalizer(scope, sql`DELETE FROM workers WHERE id = ${thisWorker}`.pipe(Effect.ignore))),
        Effect.zipRight(Effect.forkIn(heartbeat, scope)),
        Effect.asVoid
      )
    )

    /** This process takes part in the job. */
    const join = (jobId: JobId) =>
      !shared ? Effect.void : register.pipe(
        Effect.zipRight(sql`INSERT INTO worker_jobs (worker, job_id) VALUES (${thisWorker}, ${jobId}) ON CONFLICT DO NOTHING`),
        Effect.asVoid
      )

    /** This process leaves the job; true when other live workers go on with it. */
    const leave = (jobId: JobId) =>
      !shared ? Effect.succeed(false) : Effect.gen(function*() {
        yield* sql`DELETE FROM worker_jobs WHERE worker = ${thisWorker} AND job_id = ${jobId}`
        const others = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM worker_jobs wj JOIN workers w ON w.id = wj.worker
          WHERE wj.job_id = ${jobId} AND w.heartbeat_at >= now() - make_interval(secs => ${timeoutSeconds})`
        return (others[0]?.n ?? 0) > 0
      })

    return { shared, id: thisWorker, timeoutSeconds, join, leave, reap } as const
  })
}) {}
