import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Either, Fiber, Layer, Metric, Queue, Schedule, Scheduler, Sink, Stream } from "effect"
import type { LandNotFound } from "../domain/errors.js"
import { BlockedByRobots, type FetchFailure, type FetchResult } from "../domain/fetch.js"
import type { LandId } from "../domain/ids.js"
import type { DictionarySource } from "../domain/relevance.js"
import { urlHost } from "../domain/url.js"
import { DictionaryRepo } from "../services/DictionaryRepo.js"
import { ExtractorPool } from "../services/ExtractorPool.js"
import { Fetcher, type FetcherSettings } from "../services/Fetcher.js"
import { type ClaimedUrl, Frontier } from "../services/Frontier.js"
import { JobRepo } from "../services/JobRepo.js"
import { LandRepo } from "../services/LandRepo.js"
import { bytesDownloaded, countPage, fetchDuration } from "../services/Metrics.js"
import { type PageOutcome, PageStore } from "../services/PageStore.js"
import { Progress } from "../services/Progress.js"
import { Robots } from "../services/Robots.js"
import type { CrawlOptions, CrawlSummary } from "./crawl-options.js"
import { makeHostScheduler } from "./host-scheduler.js"
import { type JobEnvironment, type JobTracker, runJob } from "./job-run.js"
import { failedOutcome, htmlOutcome, notHtmlOutcome } from "./outcome.js"

export interface CrawlEnvironment extends JobEnvironment {
  /** Whether hosts on private, loopback or link-local addresses may be crawled (unset: MWI_ALLOW_PRIVATE_NETWORK). */
  readonly allowPrivateNetwork?: boolean | undefined
  /** Fetcher settings overriding the configuration (timeouts, caps, retries). */
  readonly fetcher?: Partial<FetcherSettings> | undefined
}

interface Fetched {
  readonly claimed: ClaimedUrl
  readonly result: Either.Either<FetchResult, FetchFailure>
}

// A stored batch costs about ten statements whatever its size (the graph's lookups, the transaction): at 40 pages/s a
// 150 ms window made batches of six, those fixed statements a third of the database's time per page. Within half a
// second, batches are four times larger; a killed crawl fetches again at most that half second of pages.
const STORE_BATCH = 25
const STORE_WINDOW = "500 millis"
const HOST_BUFFER = 4

/** A job's Fetcher: the configuration, overridden by the environment's settings and the job's own. */
export const jobFetcher = (env: CrawlEnvironment, settings: Partial<FetcherSettings> = {}) =>
  Fetcher.layer({
    config: { ...env.fetcher, ...settings },
    ...(env.allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork: env.allowPrivateNetwork })
  })

// The main thread still runs synchronous work (the embedded database's statements, relevance): on a scheduler that
// yields to the event loop (setImmediate) between fibers' steps, timers and sockets run between two of them instead
// of after a run of them. Measured in the bench, the whole job on it rather than its storing stage only: event-loop
// delay p99 34 ms instead of 58, requests to a host 1 ms late on average instead of 24.
const yieldingScheduler = Scheduler.makeBatched((run) => setImmediate(run))

/**
 * One crawl job over a land's frontier: claim URLs in host-diverse batches → host actors (politeness, robots) fetch →
 * extract → relevance, links, media → store in batched transactions. The frontier and the job live in the database,
 * so a killed crawl resumes where it stopped; claims of a dead job go back to the frontier.
 */
export const crawlLand = (landId: LandId, options: CrawlOptions, env: CrawlEnvironment = {}) =>
  Effect.gen(function*() {
    const frontier = yield* Frontier
    const land = yield* (yield* LandRepo).find(landId)
    // Edges written by this run, for the summary.
    const links = { count: 0 }
    return yield* runJob<
      CrawlSummary,
      SqlError | LandNotFound,
      Fetcher | Frontier | PageStore | DictionaryRepo | LandRepo | ExtractorPool
    >({
      kind: "crawl",
      landId: land.id,
      parameters: options as unknown as Record<string, unknown>,
      remaining: frontier.pendingCount(land.id, options.depth),
      prepare: (dead, _job, resumed) =>
        Effect.gen(function*() {
          yield* frontier.release(dead)
          yield* frontier.releaseOrphans(land.id)
          if (!resumed && options.http !== null) yield* frontier.requeueStatus(land.id, options.http, options.depth)
        }),
      release: (job) => frontier.release([job.id]),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        fetched: f.counters.fetched,
        failed: f.counters.failed,
        skipped: f.counters.skipped,
        discovered: f.counters.discovered,
        links: links.count,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        pagesPerSecond: f.perSecond
      })
    }, env, (tracker) => pipeline(tracker, land.id, options, links).pipe(Effect.withScheduler(yieldingScheduler))).pipe(
      Effect.provide(jobFetcher(env, options.userAgent ? { userAgent: options.userAgent } : {}))
    )
  })

const pipeline = (tracker: JobTracker, landId: LandId, options: CrawlOptions, links: { count: number }) =>
  Effect.gen(function*() {
    const frontier = yield* Frontier
    const store = yield* PageStore
    const dictionary = yield* DictionaryRepo
    const lands = yield* LandRepo
    const fetcher = yield* Fetcher
    const extractor = yield* ExtractorPool
    const robots = yield* Robots.make({ ignoreRobots: options.ignoreRobots })
    const land = yield* lands.find(landId)
    // Pages are scored on the extraction threads, which compile the dictionary once.
    const scoring: DictionarySource = {
      terms: (yield* dictionary.list(landId)).map((e) => ({ term: e.term, weight: e.weight })),
      langs: land.lang
    }
    const policy = { maxDepth: options.depth, minRelevance: options.minrel }

    const fetched = yield* Queue.bounded<Fetched>(options.concurrency * 2)
    const wake = yield* Queue.sliding<void>(1)
    const scheduler = yield* makeHostScheduler({
      concurrency: options.concurrency,
      perHost: options.perHost,
      delayMs: options.delayMs
    })
    // How many of one host's URLs are claimed ahead of its fetches. Each claim is a statement whose cost grows with the
    // land's hosts, and the loop claims again whenever a stored batch frees room: with two per host, a crawl of 20 hosts
    // claimed about four URLs per statement, a quarter of a statement per page; with four, a claim refills about half
    // the queue. Politeness is the host actor's business, so a deeper buffer only holds more claimed URLs in memory.
    const hostBuffer = Math.max(HOST_BUFFER, options.perHost * HOST_BUFFER)
    const maxQueued = Math.max(100, options.concurrency * 10)
    const hostOfDomain = new Map<number, string>()
    let dispatched = 0
    let outstanding = 0

    const allow = (url: string) =>
      robots.check(url).pipe(Effect.flatMap((v) => v.allowed ? Effect.void : Effect.fail(new BlockedByRobots({ url }))))

    const submit = (claimed: ClaimedUrl) => {
      const host = urlHost(claimed.normalizedUrl)
      hostOfDomain.set(claimed.domainId, host)
      return scheduler.submit({
        host,
        prepare: Effect.zipWith(
          robots.check(claimed.normalizedUrl),
          robots.requestedAt(claimed.normalizedUrl),
          (verdict, requestedAt) => ({ intervalFloorMs: verdict.crawlDelayMs ?? 0, requestedAt })
        ),
        run: (requestStarting) => fetcher.fetch(claimed.normalizedUrl, { allow, onRequest: () => requestStarting }).pipe(
          Effect.either,
          Effect.flatMap((result) => Queue.offer(fetched, { claimed, result }))
        )
      })
    }

    // Claims more URLs while there is room, until nothing is left to claim and nothing is in flight.
    const dispatch = Effect.gen(function*() {
      yield* tracker.stage("fetching")
      for (;;) {
        const limitLeft = options.limit === null ? Infinity : options.limit - dispatched
        const room = Math.min(maxQueued - scheduler.queued(), limitLeft)
        let got = 0
        if (room > 0 && (room >= maxQueued / 2 || outstanding === 0 || room === limitLeft)) {
          const excludeDomains = [...hostOfDomain].filter(([, host]) => scheduler.queuedFor(host) >= hostBuffer)
            .map(([domain]) => domain)
          const claimed = yield* frontier.claim({
            landId,
            jobId: tracker.job.id,
            maxDepth: options.depth,
            limit: room,
            perHost: hostBuffer,
            excludeDomains
          })
          for (const c of claimed) {
            dispatched++
            outstanding++
            yield* submit(c)
          }
          got = claimed.length
        }
        if (got === 0 && outstanding === 0) return
        if (got === 0 || room <= 0) yield* Queue.take(wake)
      }
    })

    const toOutcome = ({ claimed, result }: Fetched): Effect.Effect<PageOutcome> => {
      if (Either.isLeft(result)) return Effect.succeed(failedOutcome(claimed, result.left))
      const page = result.right
      const measured = Effect.zipRight(
        Metric.update(fetchDuration, page.elapsedMs / 1000),
        Metric.incrementBy(bytesDownloaded, page.bytes ?? 0)
      )
      if (page._tag === "NotHtml") return Effect.as(measured, notHtmlOutcome(claimed, page))
      if (page.status >= 400) return Effect.as(measured, htmlOutcome(claimed, page, null, policy))
      return Effect.zipRight(
        measured,
        extractor.extractScored(page.finalUrl, page.body, { links: options.links }, scoring).pipe(
          Effect.map((scored) => htmlOutcome(claimed, page, scored, policy)),
          // The response is kept (status, headers), the page ends failed with the extractor's reason.
          Effect.catchTag("ExtractionFailed", (e) =>
            Effect.succeed<PageOutcome>({
              ...htmlOutcome(claimed, page, null, policy),
              state: "failed",
              error: `${e._tag}: ${e.message}`
            }))
        )
      )
    }

    // A batch is written when full, when the window has passed, or at once when it holds every page dispatched: then
    // nothing else can arrive before the next claim, which waits for this batch's links.
    const storeBatch = Sink.fold(
      [] as ReadonlyArray<PageOutcome>,
      (pages) => pages.length < STORE_BATCH && (pages.length === 0 || pages.length < outstanding),
      (pages, page: PageOutcome) => [...pages, page]
    )

    // As many pages in extraction as pages fetched at once: the pool runs what its threads can and queues the rest.
    const processing = Stream.fromQueue(fetched).pipe(
      Stream.mapEffect(toOutcome, { concurrency: options.concurrency, unordered: true }),
      Stream.aggregateWithin(storeBatch, Schedule.spaced(STORE_WINDOW)),
      Stream.mapEffect((pages) =>
        store.store(landId, pages).pipe(
          Effect.tap(() => Effect.forEach(pages, (p) => countPage(p.httpStatus, p.state), { discard: true })),
          Effect.tap((report) =>
            tracker.count((c) => {
              links.count += report.links
              return {
                ...c,
                fetched: c.fetched + pages.filter((p) => p.state === "fetched").length,
                failed: c.failed + pages.filter((p) => p.state === "failed").length,
                skipped: c.skipped + pages.filter((p) => p.state === "skipped").length,
                discovered: c.discovered + report.discovered
              }
            })
          ),
          Effect.tap(() => {
            outstanding -= pages.length
            return Queue.offer(wake, undefined)
          })
        )
      ),
      Stream.runDrain
    )
    const processor = yield* Effect.forkScoped(processing)
    yield* Effect.raceFirst(dispatch, Fiber.join(processor))
    yield* tracker.stage("done")
  }).pipe(Effect.scoped)

/** The repositories a crawl needs over a SqlClient (the Fetcher is built per job from its options). */
export const CrawlerRepositories = Layer.mergeAll(
  JobRepo.Default,
  Frontier.Default,
  PageStore.Default,
  DictionaryRepo.Default,
  LandRepo.Default,
  Progress.Default
)

/** Everything a crawl needs over a SqlClient: the repositories and the extractor's worker threads. */
export const CrawlerLive = Layer.merge(CrawlerRepositories, ExtractorPool.Default)
