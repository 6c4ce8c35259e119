import type { SqlClient } from "@effect/sql"
import { Layer } from "effect"
import { type AppOptions, ServicesLive } from "../../src/layers.js"

/**
 * The application's services (src/layers.ts) over a test database, with the loopback fixture sites allowed and the
 * fetcher's settings a test chooses (short timeouts, few retries).
 */
export const appOn = (db: Layer.Layer<SqlClient.SqlClient, unknown>, options: AppOptions = {}) =>
  ServicesLive({ allowPrivateNetwork: true, ...options }).pipe(Layer.provideMerge(db))
