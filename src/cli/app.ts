import { Effect, Layer } from "effect"
import { DatabaseLive } from "../services/Database.js"
import { Lands } from "../services/Lands.js"
import { CrawlerRepositories } from "../streams/crawl.js"

/**
 * The services a command needs, opened only when a command runs (so --help never touches the database). The
 * extraction workers are not among them: the commands that extract provide them, the others never start them.
 */
export const AppLayer = Layer.mergeAll(Lands.Default, CrawlerRepositories).pipe(Layer.provideMerge(DatabaseLive))

export const withApp = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, AppLayer)
