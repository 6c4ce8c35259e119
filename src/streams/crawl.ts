import type { SqlError } from "@effect/sql/SqlError"
import { Duration, Effect, Option, Queue, Scheduler } from "effect"
import type { LandNotFound } from "../domain/errors.js"
import type { LandId } from "../domain/ids.js"
import type { PageOutcome } from "../domain/page-outcome.js"
import { urlHost } from "../domain/url.js"
import { DictionaryRepo } from "../services/DictionaryRepo.js"
import type { ExtractorPool } from "../services/ExtractorPool.js"
import type { Fetcher } from "../services/Fetcher.js"
import { type ClaimedUrl, Frontier } from "../services/Frontier.js"
import { hashEmbedder } from "../services/embeddings/hash.js"
import type { EmbeddedPage } from "../services/embeddings/page.js"
import { HostLeases } from "../services/HostLeases.js"
import { InlineEmbedding, type InlinePage } from "../services/InlineEmbedding.js"
import { LandRepo } from "../services/LandRepo.js"
import { countPage } from "../services/Metrics.js"
import { PageStore } from "../services/PageStore.js"
import { ParagraphStore } from "../services/ParagraphStore.js"
import { Politeness } from "../services/Politeness.js"
import type { Robots } from "../services/Robots.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"
import { autoscale, storeTimes as autoStoreTimes } from "./auto-concurrency.js"
import { AUTO_START, type CrawlOptions, type CrawlSummary, maxConcurrency } from "./crawl-options.js"
import { makeExtractStage } from "./extract.js"
import { type Fetched, makeFetchStage } from "./fetch.js"
import { type JobHooks, type JobTracker, runJob } from "./job-run.js"
import { pageOutcome } from "./links.js"
import { runPipeline } from "./pipeline.js"

// A stored batch costs about ten statements whatever its size (the graph's lookups, the transaction): at 40 pages/s a
// 150 ms window made batches of six, those fixed statements a third of the database's time per page. Within half a
// second, batches are four times larger; a killed crawl fetches again at most that half second of pages.
const STORE_BATCH = 25
const STORE_WINDOW = "500 millis"
const HOST_BUFFER = 4
// A worker sharing a crawl with others holds twice as many hosts as it has requests in flight, and looks for more work
// this often while it has none (its hosts dry, the others' busy).
const HOSTS_PER_SLOT = 2
const IDLE_POLL = "200 millis"
// The hosts of longest interval shown in progress events: those that set the crawl's pace.
const SHOWN_HOSTS = 10

// The main thread still runs synchronous work (the embedded database's statements, relevance): on a scheduler that
// yields to the event loop (setImmediate) between fibers' steps, timers and sockets run between two of them instead
// of after a run of them (measured in the bench: event-loop delay p99 34 ms instead of 58).
const yieldingScheduler = Scheduler.makeBatched((run) => setImmediate(run))

/**
 * One crawl job over a land's frontier: claim URLs in host-diverse batches → fetch (politeness, robots) → extract →
 * links → store in batched transactions. The frontier and the job live in the database, so a killed crawl resumes
 * where it stopped; claims of a dead job go back to the frontier.
 */
export const crawlLand = (landId: LandId, options: CrawlOptions, hooks: JobHooks = {}) =>
  Effect.gen(function*() {
    const frontier = yield* Frontier
    const registry = yield* WorkerRegistry
    const leases = yield* HostLeases
    const land = yield* (yield* LandRepo).find(landId)
    // Edges written by this run and why pages were not fetched, for the summary.
    const links = { count: 0 }
    const problems = new Map<string, { count: number; example: string }>()
    let requeued = 0
    return yield* runJob<
      CrawlSummary,
      SqlError | LandNotFound,
      Fetcher | Robots | Politeness | Frontier | PageStore | ParagraphStore | DictionaryRepo | LandRepo | ExtractorPool | HostLeases
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
          if (!resumed) requeued = yield* frontier.requeueStates(land.id, options.retry, options.retryReason, options.depth)
        }),
      release: (job) =>
        registry.shared
          ? Effect.zipRight(frontier.releaseWorker(job.id, registry.id), leases.releaseAll(land.id, options.depth))
          : frontier.release([job.id]),
      shared: true,
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        fetched: f.counters.done,
        failed: f.counters.failed,
        skipped: f.counters.skipped,
        discovered: f.counters.discovered,
        links: links.count,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        pagesPerSecond: f.perSecond,
        requeued,
        problems: [...problems].map(([reason, p]) => ({ reason, ...p })).sort((a, b) => b.count - a.count)
      })
    }, hooks, (tracker) =>
      crawlPipeline(tracker, land.id, options, { links, problems }, registry.shared ? registry.id : undefined).pipe(
        Effect.withScheduler(yieldingScheduler)
      ))
  })

interface RunTally {
  readonly links: { count: number }
  readonly problems: Map<string, { count: number; example: string }>
}

/** A page to store; with `crawl --embed`, its paragraphs and vectors, written with it. */
type StoredPage = PageOutcome & { readonly embedded?: EmbeddedPage }

/** The kind of a stored reason (`HostNotFound: ...` → `HostNotFound`). */
const reasonKind = (error: string) => error.split(":", 1)[0]!

/**
 * `worker` set, the crawl is shared with other processes (PostgreSQL): it claims URLs only of the hosts it holds, and
 * runs until the job's frontier is empty and nothing is in flight on any worker, not only on this one.
 */
const crawlPipeline = (tracker: JobTracker, landId: LandId, options: CrawlOptions, { links, problems }: RunTally, worker?: string) =>
  Effect.gen(function*() {
    const frontier = yield* Frontier
    const store = yield* PageStore
    const paragraphs = yield* ParagraphStore
    const land = yield* (yield* LandRepo).find(landId)
    // A host running low is refilled at once, not after the next store: its next URLs may be waiting in the frontier.
    // One whose refill found none is dry until the next store brings new links.
    const wake = yield* Queue.sliding<void>(1)
    const low = new Set<string>()
    const dry = new Set<string>()
    const auto = options.concurrency === "auto"
    const concurrency = maxConcurrency(options.concurrency)
    const storeTimes = autoStoreTimes()
    const lane = yield* (yield* Politeness).lane({
      concurrency: auto ? AUTO_START : concurrency,
      onLow: (host) => {
        if (dry.has(host) || low.has(host)) return
        low.add(host)
        wake.unsafeOffer(undefined)
      }
    })
    tracker.showIntervals(() => lane.intervals(SHOWN_HOSTS))
    if (auto) yield* autoscale(lane.slots, storeTimes)
    const fetch = yield* makeFetchStage({
      limits: { perHost: options.perHost, delayMs: options.delayMs },
      ignoreRobots: options.ignoreRobots,
      userAgent: options.userAgent
    })
    // Where no embed job can follow the crawl (a bench's own services), the crawl embeds nothing.
    const inline = Option.getOrNull(yield* Effect.serviceOption(InlineEmbedding))
    // Pages are scored on the extraction threads, which compile the dictionary once (and embedded there for an embed
    // job following the crawl).
    const extract = yield* makeExtractStage({
      links: options.links,
      dictionary: {
        terms: (yield* (yield* DictionaryRepo).list(landId)).map((e) => ({ term: e.term, weight: e.weight })),
        langs: land.lang
      },
      embed: inline !== null && (yield* inline.isFollowed(landId)) ? { language: land.lang[0] ?? null } : undefined
    })
    const outcome = pageOutcome({ maxDepth: options.depth, minRelevance: options.minrel })

    // How many of one host's URLs are claimed ahead of its fetches. Each claim is a statement whose cost grows with the
    // land's hosts: with four per host, a claim refills about half the queue. Politeness is the host actor's business,
    // so a deeper buffer only holds more claimed URLs in memory.
    const hostBuffer = Math.max(HOST_BUFFER, options.perHost * HOST_BUFFER)
    const maxQueued = Math.max(100, concurrency * 10)
    const hostOfDomain = new Map<number, string>()
    let dispatched = 0

    // Hosts running low are refilled first, by a claim of their own URLs alone: past the queue's bound (a host's
    // buffer is small), so that neither the other hosts' URLs nor a full queue hold back the host whose pauses set the
    // crawl's length. Then claims when at least half the queue is free, or when nothing is in flight, or for the last
    // pages of a --limit.
    const claim = (outstanding: number) =>
      Effect.gen(function*() {
        const limitLeft = options.limit === null ? Infinity : options.limit - dispatched
        const lowDomains = [...hostOfDomain].filter(([, host]) => low.has(host)).map(([domain]) => domain)
        const room = Math.min(lowDomains.length > 0 ? hostBuffer * lowDomains.length : maxQueued - lane.queued(), limitLeft)
        if (room <= 0 || (lowDomains.length === 0 && room < maxQueued / 2 && outstanding > 0 && room !== limitLeft)) {
          low.clear()
          return []
        }
        const excludeDomains = [...hostOfDomain].filter(([, host]) => lane.queuedFor(host) >= hostBuffer)
          .map(([domain]) => domain)
        const claimed = yield* frontier.claim({
          landId,
          jobId: tracker.job.id,
          maxDepth: options.depth,
          limit: room,
          perHost: hostBuffer,
          excludeDomains,
          worker,
          onlyDomains: lowDomains.length > 0 ? lowDomains : undefined
        })
        dispatched += claimed.length
        for (const c of claimed) hostOfDomain.set(c.domainId, urlHost(c.normalizedUrl))
        for (const host of low) if (lane.queuedFor(host) <= 1) dry.add(host)
        low.clear()
        return claimed
      })

    const leases = yield* HostLeases
    const limitReached = () => options.limit !== null && dispatched >= options.limit
    const take = (outstanding: number): Effect.Effect<ReadonlyArray<ClaimedUrl>, SqlError> =>
      worker === undefined ? claim(outstanding) : Effect.gen(function*() {
        for (;;) {
          yield* leases.acquire(landId, options.depth, concurrency * HOSTS_PER_SLOT)
          const claimed = yield* claim(outstanding)
          if (claimed.length > 0 || outstanding > 0 || limitReached()) return claimed
          if (yield* frontier.completeIfDrained(tracker.job.id, landId, options.depth)) return []
          yield* Effect.sleep(IDLE_POLL)
        }
      })

    // Pages embedded on the extraction threads are stored with their paragraphs and vectors, in one transaction. A page
    // whose stored text is not the text split (NUL characters removed) keeps paragraphs unmatched: the embed job redoes it.
    const storeBatch = (pages: ReadonlyArray<StoredPage>) => {
      const embedded = pages.flatMap((p): Array<InlinePage> => (p.embedded === undefined ? [] : [{ ...p.embedded, expressionId: p.expressionId }]))
      const rows = pages.map((p) => (p.embedded === undefined ? p : { ...p, paragraphsHash: p.embedded.readableHash }))
      return store.store(landId, rows, paragraphs.writeEmbedded(hashEmbedder.key, embedded)).pipe(
        Effect.timed,
        Effect.map(([took, report]) => {
          storeTimes.record(Duration.toMillis(took))
          return report
        }),
        Effect.tap(() => dry.clear()),
        Effect.tap(() => inline?.written(landId, embedded) ?? Effect.void),
        Effect.tap(() => Effect.forEach(pages, (p) => countPage(p.httpStatus, p.state), { discard: true })),
        Effect.tap(() =>
          Effect.sync(() => {
            for (const p of pages) {
              if (p.state === "fetched" || p.error === null) continue
              const kind = reasonKind(p.error)
              const known = problems.get(kind)
              problems.set(kind, { count: (known?.count ?? 0) + 1, example: known?.example ?? p.error })
            }
          })
        ),
        Effect.flatMap((report) =>
          tracker.count((c) => {
            links.count += report.links
            return {
              ...c,
              done: c.done + pages.filter((p) => p.state === "fetched").length,
              failed: c.failed + pages.filter((p) => p.state === "failed").length,
              skipped: c.skipped + pages.filter((p) => p.state === "skipped").length,
              discovered: c.discovered + report.discovered
            }
          })
        )
      )
    }

    yield* tracker.stage("fetching")
    // As many pages in extraction as pages fetched at once: the pool runs what its threads can and queues the rest.
    yield* runPipeline<ClaimedUrl, Fetched, StoredPage, SqlError, never>({
      take,
      start: (claimed, emit) => lane.submit(fetch(claimed, emit)),
      process: (fetched) =>
        Effect.map(extract(fetched), (x): StoredPage => {
          const page = outcome(x)
          return x._tag === "Html" && x.scored?.embedded ? { ...page, embedded: x.scored.embedded } : page
        }),
      concurrency,
      buffer: concurrency * 2,
      store: storeBatch,
      batchSize: STORE_BATCH,
      batchWindow: STORE_WINDOW,
      wake
    })
    yield* tracker.stage("done")
  }).pipe(Effect.scoped)
