import { Effect, Layer } from "effect"
import { DatabaseLive } from "../services/Database.js"
import { Lands } from "../services/Lands.js"
import { CrawlerLive } from "../streams/crawl.js"

/** The services a command needs, opened only when a command runs (so --help never touches the database). */
export const AppLayer = Layer.mergeAll(Lands.Default, CrawlerLive).pipe(Layer.provideMerge(DatabaseLive))

export const withApp = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, AppLayer)
