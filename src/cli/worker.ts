import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { describeTarget, DatabaseInfo } from "../services/Database.js"
import { ExtractorPool } from "../services/ExtractorPool.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"
import { workOnRunningCrawls } from "../streams/worker.js"
import { networkOptions, withApp } from "./app.js"
import { optionalInt, runCommand } from "./output.js"

export const workerCommand = Command.make("worker", {
  concurrency: optionalInt("concurrency", "requests in flight at once on this worker, per crawl (default: the crawl's own)"),
  allowPrivateNetwork: Options.boolean("allow-private-network").pipe(Options.withDescription("allow hosts on private, loopback and link-local addresses")),
  json: Options.boolean("json").pipe(Options.withDescription("one JSON line per crawl joined and left"))
}, (o) =>
  runCommand(o.json, withApp(networkOptions(o.allowPrivateNetwork))(Effect.gen(function*() {
    const registry = yield* WorkerRegistry
    const where = describeTarget((yield* DatabaseInfo).target)
    const say = (event: Record<string, unknown>, text: string) => o.json ? Console.log(JSON.stringify(event)) : Console.log(text)
    // A worker is there to crawl: its extraction threads load now, not while the first crawl it joins is under way.
    yield* (yield* ExtractorPool).warm
    if (registry.shared) yield* say({ event: "started", worker: registry.id, database: where }, `mwi worker ${registry.id} on ${where}: waiting for crawls`)
    return yield* workOnRunningCrawls({
      concurrency: Option.getOrUndefined(o.concurrency),
      onJoin: (job) => say({ event: "joined", jobId: job.id, landId: job.landId }, `joined crawl job ${job.id} (land ${job.landId})`),
      onLeave: (s) =>
        say({ event: "left", ...s }, `left crawl job ${s.jobId}: ${s.status}; this worker fetched its share, the job ${s.fetched} pages in all`)
    })
  })))).pipe(Command.withDescription("work on the running crawls of a PostgreSQL server (MWI_DATABASE_URL) until stopped"))
