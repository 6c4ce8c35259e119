import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { adoptOwnerlessLands } from "../LocalAdmin.js"

// The CLI now acts as the local administrator: the lands it made without an owner become that account's, so the
// API shows them. Without any administrator yet, the server's first start adopts them.
export default Effect.flatMap(SqlClient.SqlClient, adoptOwnerlessLands)
