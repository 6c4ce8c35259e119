import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import type { UserId } from "../domain/ids.js"

// The local administrator is the account the CLI acts as: `admin` (made by the server's first start or for
// MWI_ADMIN_TOKEN), else the oldest administrator.
const localAdminQuery = (sql: SqlClient.SqlClient) =>
  sql`SELECT id FROM users WHERE is_admin ORDER BY (username = 'admin') DESC, id LIMIT 1`

/**
 * Gives the lands without an owner (made by the CLI before any account existed) to the local administrator. A name
 * the administrator already uses gets the land's id appended, since names are unique per owner.
 */
export const adoptOwnerlessLands = (sql: SqlClient.SqlClient) =>
  sql`
    UPDATE lands l SET name = l.name || ' (' || l.id || ')'
    FROM (${localAdminQuery(sql)}) admin
    WHERE l.owner_id IS NULL AND EXISTS (SELECT 1 FROM lands o WHERE o.owner_id = admin.id AND o.name = l.name)`.pipe(
    Effect.zipRight(sql<{ id: number }>`
      UPDATE lands SET owner_id = (${localAdminQuery(sql)}), updated_at = now()
      WHERE owner_id IS NULL AND EXISTS (${localAdminQuery(sql)})
      RETURNING id`),
    Effect.map((rows) => rows.length)
  )

/** Who the CLI acts as, and the adoption of ownerless lands once that account exists. */
export class LocalAdmin extends Effect.Service<LocalAdmin>()("mwi/LocalAdmin", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return {
      /** The local administrator's id; none before the server's first start made one. */
      id: localAdminQuery(sql).pipe(Effect.map((rows) => Option.fromNullable(rows[0]?.["id"] as UserId | undefined))),
      adoptOwnerless: adoptOwnerlessLands(sql).pipe(sql.withTransaction, Effect.withSpan("LocalAdmin.adoptOwnerless"))
    } as const
  })
}) {}
