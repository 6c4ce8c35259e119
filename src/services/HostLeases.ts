import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import type { LandId } from "../domain/ids.js"
import { Politeness } from "./Politeness.js"
import { WorkerRegistry } from "./WorkerRegistry.js"

/**
 * The hosts this worker holds on a PostgreSQL server. A host is leased to one worker at a time (a row of
 * `host_leases`), and a worker claims URLs only of hosts it holds, so its process's politeness (interval, bound on
 * requests in flight, adaptive pace) is the host's whole traffic. A host given back carries when it may next be sent a
 * request, which its next holder waits for; a dead worker's hosts are freed with its row (see WorkerRegistry).
 */
export class HostLeases extends Effect.Service<HostLeases>()("mwi/HostLeases", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const registry = yield* WorkerRegistry
    const politeness = yield* Politeness
    const me = registry.id

    const held = sql<{ host: string }>`SELECT host FROM host_leases WHERE worker = ${me}`.pipe(
      Effect.map((rs) => rs.map((r) => r.host))
    )

    /**
     * Gives hosts back, each with when it may next be sent a request. Never one with a URL this worker claimed (in
     * flight); unless `always`, never one with pending URLs of the land within the depth.
     */
    const giveBack = (hosts: ReadonlyArray<string>, landId: LandId, maxDepth: number, always: boolean) =>
      Effect.gen(function*() {
        if (hosts.length === 0) return 0
        const now = yield* Clock.currentTimeMillis
        const waits = hosts.map((h) => Math.max(0, politeness.freeAt(h) - now))
        const freed = yield* sql<{ host: string }>`
          UPDATE host_leases l SET worker = NULL, free_at = now() + make_interval(secs => w.ms / 1000.0)
          FROM unnest(${hosts}::text[], ${waits}::float8[]) AS w(host, ms)
          WHERE l.host = w.host AND l.worker = ${me}
            AND NOT EXISTS (SELECT 1 FROM expressions e JOIN domains d ON d.id = e.domain_id
                            WHERE d.host = l.host AND e.crawl_state = 'claimed' AND e.claimed_worker = ${me})
            AND (${always} OR NOT EXISTS (
              SELECT 1 FROM expressions e JOIN domains d ON d.id = e.domain_id
              WHERE d.land_id = ${landId} AND d.host = l.host AND e.crawl_state = 'pending' AND e.depth <= ${maxDepth}))
          RETURNING l.host`
        return freed.length
      })

    /**
     * Holds up to `want` hosts in all, leasing free hosts that have pending URLs in the land (after giving back the
     * idle ones that have none). A host leased now waits out what its previous holder left of its interval.
     */
    const acquire = (landId: LandId, maxDepth: number, want: number) =>
      Effect.gen(function*() {
        const mine = yield* held
        const freed = yield* giveBack(mine.filter(politeness.idle), landId, maxDepth, false)
        const room = want - (mine.length - freed)
        if (room <= 0) return
        const leased = yield* sql<{ host: string; waitMs: number }>`
          INSERT INTO host_leases (host, worker, leased_at)
          SELECT d.host, ${me}, now() FROM domains d
          WHERE d.land_id = ${landId}
            AND EXISTS (SELECT 1 FROM expressions x
                        WHERE x.domain_id = d.id AND x.crawl_state = 'pending' AND x.depth <= ${maxDepth})
            AND NOT EXISTS (SELECT 1 FROM host_leases l WHERE l.host = d.host AND l.worker IS NOT NULL)
          ORDER BY d.id
          LIMIT ${room}
          ON CONFLICT (host) DO UPDATE SET worker = excluded.worker, leased_at = now() WHERE host_leases.worker IS NULL
          RETURNING host, GREATEST(0, ceil(extract(epoch FROM (free_at - now())) * 1000))::int AS wait_ms`
        const now = yield* Clock.currentTimeMillis
        yield* Effect.forEach(leased, (l) => l.waitMs > 0 ? politeness.holdUntil(l.host, now + l.waitMs) : Effect.void, {
          discard: true
        })
      })

    /** Gives back every host held that has no URL of this worker in flight (a job's end). */
    const releaseAll = (landId: LandId, maxDepth: number) =>
      Effect.flatMap(held, (mine) => giveBack(mine, landId, maxDepth, true))

    return { acquire, releaseAll } as const
  })
}) {}
