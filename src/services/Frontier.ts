import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { DomainId, ExpressionId, JobId, LandId } from "../domain/ids.js"
import type { RetryState } from "../streams/crawl-options.js"

export interface ClaimedUrl {
  readonly id: ExpressionId
  readonly domainId: DomainId
  readonly url: string
  readonly normalizedUrl: string
  readonly depth: number
}

export interface ClaimRequest {
  readonly landId: LandId
  readonly jobId: JobId
  readonly maxDepth: number
  /** At most this many URLs in all. */
  readonly limit: number
  /** At most this many URLs of any one host, so one big host first in the frontier cannot fill a batch alone. */
  readonly perHost: number
  /** Hosts whose queue in memory is full: none of their URLs this time. */
  readonly excludeDomains: ReadonlyArray<number>
  /** Several workers on one land (PostgreSQL): only URLs of the hosts this worker holds, claimed in its name. */
  readonly worker?: string | undefined
  /** Only URLs of these hosts (those running low), when given. */
  readonly onlyDomains?: ReadonlyArray<number> | undefined
}

/**
 * The crawl frontier lives in the database: pending expressions of a land. A job claims URLs (state `claimed`, its
 * id) so two jobs never take the same URL, and only what it has claimed is in memory.
 */
export class Frontier extends Effect.Service<Frontier>()("mwi/Frontier", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    // Round-robin over hosts: the n-th URL of every host comes before the (n+1)-th of any. Each host's first URLs
    // come from its own index (expressions_frontier_domain), so the cost follows the number of hosts, not of pending
    // URLs. The UPDATE re-checks the state, so under concurrent claimers a row is taken by one of them only.
    const claim = (r: ClaimRequest) =>
      r.limit <= 0 ? Effect.succeed([] as ReadonlyArray<ClaimedUrl>) : sql<ClaimedUrl>`
        UPDATE expressions e SET crawl_state = 'claimed', claimed_by = ${r.jobId}, claimed_at = now(),
          claimed_worker = ${r.worker ?? null}
        FROM (
          SELECT p.id FROM domains d
          CROSS JOIN LATERAL (
            SELECT x.id, x.depth, row_number() OVER (ORDER BY x.depth, x.id) AS rn FROM expressions x
            WHERE x.domain_id = d.id AND x.crawl_state = 'pending' AND x.depth <= ${r.maxDepth}
            ORDER BY x.depth, x.id LIMIT ${r.perHost}
          ) p
          WHERE d.land_id = ${r.landId} AND d.id <> ALL(${[...r.excludeDomains]}::int[])
            AND ${r.worker === undefined ? sql`TRUE` : sql`EXISTS (SELECT 1 FROM host_leases l WHERE l.host = d.host AND l.worker = ${r.worker})`}
            AND ${r.onlyDomains === undefined ? sql`TRUE` : sql`d.id = ANY(${[...r.onlyDomains]}::int[])`}
          ORDER BY p.rn, p.depth, p.id
          LIMIT ${r.limit}
        ) picked
        WHERE e.id = picked.id AND e.crawl_state = 'pending'
        RETURNING e.id, e.domain_id, e.url, e.normalized_url, e.depth`.pipe(Effect.withSpan("Frontier.claim"))

    /** Gives a job's unfinished claims back to the frontier (on cancel, or when its process died). */
    const release = (jobIds: ReadonlyArray<number>) =>
      jobIds.length === 0 ? Effect.succeed(0) : sql<{ id: number }>`
        UPDATE expressions SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL
        WHERE crawl_state = 'claimed' AND claimed_by = ANY(${[...jobIds]}::int[])
        RETURNING id`.pipe(Effect.map((rs) => rs.length))

    /** Gives one worker's unfinished claims of a job back to the frontier, leaving its peers' in flight. */
    const releaseWorker = (jobId: number, worker: string) =>
      sql<{ id: number }>`
        UPDATE expressions SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL, claimed_worker = NULL
        WHERE crawl_state = 'claimed' AND claimed_by = ${jobId} AND claimed_worker = ${worker}
        RETURNING id`.pipe(Effect.map((rs) => rs.length))

    /**
     * Marks a crawl completed when its frontier is empty and no URL of the land is claimed (in flight on any worker),
     * both read in one statement: a store that adds links also ends its claims, in one transaction. True when the job
     * is over, marked now or before by another worker.
     */
    const completeIfDrained = (jobId: number, landId: LandId, maxDepth: number) =>
      sql<{ status: string }>`
        WITH done AS (
          UPDATE jobs SET status = 'completed', finished_at = now()
          WHERE id = ${jobId} AND status = 'running'
            AND NOT EXISTS (SELECT 1 FROM expressions
                            WHERE land_id = ${landId} AND crawl_state = 'pending' AND depth <= ${maxDepth})
            AND NOT EXISTS (SELECT 1 FROM expressions WHERE land_id = ${landId} AND crawl_state = 'claimed')
          RETURNING status)
        SELECT status FROM done UNION ALL SELECT status FROM jobs WHERE id = ${jobId}`.pipe(
        Effect.map((rs) => rs.some((r) => r.status !== "running"))
      )

    /** Claims whose job row is gone or finished (a crash between claim and job update): back to pending. */
    const releaseOrphans = (landId: LandId) =>
      sql<{ id: number }>`
        UPDATE expressions e SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL
        WHERE e.land_id = ${landId} AND e.crawl_state = 'claimed'
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = e.claimed_by AND j.status = 'running')
        RETURNING e.id`.pipe(Effect.map((rs) => rs.length))

    /** `--http STATUS`: stored pages with that status go back to the frontier to be fetched again. */
    const requeueStatus = (landId: LandId, status: number, maxDepth: number) =>
      sql<{ id: number }>`
        UPDATE expressions SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL
        WHERE land_id = ${landId} AND http_status = ${status} AND depth <= ${maxDepth}
          AND crawl_state IN ('fetched', 'failed', 'skipped')
        RETURNING id`.pipe(Effect.map((rs) => rs.length))

    /** `--retry`: finished pages in the given states (optionally whose reason contains `reason`) back to the frontier. */
    const requeueStates = (landId: LandId, states: ReadonlyArray<RetryState>, reason: string | undefined, maxDepth: number) =>
      states.length === 0 ? Effect.succeed(0) : sql<{ id: number }>`
        UPDATE expressions SET crawl_state = 'pending', claimed_by = NULL, claimed_at = NULL
        WHERE land_id = ${landId} AND depth <= ${maxDepth}
          AND ((${states.includes("failed")} AND crawl_state = 'failed')
            OR (${states.includes("skipped")} AND crawl_state = 'skipped')
            OR (${states.includes("errors")} AND crawl_state = 'fetched' AND http_status >= 400))
          AND ${reason === undefined ? sql`TRUE` : sql`position(${reason.toLowerCase()} IN
            lower(coalesce(error, '') || ' ' || coalesce(http_status::text, ''))) > 0`}
        RETURNING id`.pipe(Effect.map((rs) => rs.length))

    // Claimed URLs are still to do: without them the count drops by a whole claim at each one and climbs back as
    // pages are stored (0 → 21 → 3), and a job's total (done + to do) jumps with it.
    const pendingCount = (landId: LandId, maxDepth: number) =>
      sql<{ n: number }>`
        SELECT count(*)::int AS n FROM expressions
        WHERE land_id = ${landId} AND crawl_state IN ('pending', 'claimed') AND depth <= ${maxDepth}`.pipe(
        Effect.map((rs) => rs[0]?.n ?? 0)
      )

    return { claim, release, releaseWorker, completeIfDrained, releaseOrphans, requeueStatus, requeueStates, pendingCount } as const
  })
}) {}
