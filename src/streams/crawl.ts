import { Cause, Clock, Effect, Either, Fiber, Layer, Queue, Ref, Stream } from "effect"
import { JobAlreadyRunning } from "../domain/errors.js"
import type { Extraction } from "../domain/extraction.js"
import { BlockedByRobots, type FetchFailure, type FetchResult } from "../domain/fetch.js"
import type { JobId, LandId } from "../domain/ids.js"
import { type Job, type JobCounters, type JobStatus } from "../domain/job.js"
import { compileDictionary } from "../domain/relevance.js"
import { urlHost } from "../domain/url.js"
import { DictionaryRepo } from "../services/DictionaryRepo.js"
import { extract } from "../services/extractor/extract.js"
import { Fetcher, type FetcherSettings } from "../services/Fetcher.js"
import { type ClaimedUrl, Frontier } from "../services/Frontier.js"
import { JobRepo } from "../services/JobRepo.js"
import { LandRepo } from "../services/LandRepo.js"
import { type PageOutcome, PageStore } from "../services/PageStore.js"
import { Progress } from "../services/Progress.js"
import { Robots } from "../services/Robots.js"
import type { CrawlOptions, CrawlSummary } from "./crawl-options.js"
import { makeHostScheduler } from "./host-scheduler.js"
import { failedOutcome, htmlOutcome, notHtmlOutcome } from "./outcome.js"

export interface CrawlEnvironment {
  /** Whether hosts on private, loopback or link-local addresses may be crawled (unset: MWI_ALLOW_PRIVATE_NETWORK). */
  readonly allowPrivateNetwork?: boolean | undefined
  /** Fetcher settings overriding the configuration (timeouts, caps, retries). */
  readonly fetcher?: Partial<FetcherSettings> | undefined
  /** Continue this job (its parameters and counters) instead of starting a new one. */
  readonly resumeJobId?: JobId | undefined
  /** Called once the job row exists, before any page is fetched (the API answers with the job id then). */
  readonly onJob?: ((job: Job) => Effect.Effect<void>) | undefined
  /** Set when the job is stopped on purpose: it ends `cancelled` rather than `interrupted` (resumable). */
  readonly cancelled?: Ref.Ref<boolean> | undefined
}

interface Fetched {
  readonly claimed: ClaimedUrl
  readonly result: Either.Either<FetchResult, FetchFailure>
}

const REPORT_EVERY_MS = 1000
const PROGRESS_EVERY_MS = 200
const STORE_BATCH = 25

/**
 * One crawl job over a land's frontier: claim URLs in host-diverse batches → host actors (politeness, robots) fetch →
 * extract → relevance, links, media → store in batched transactions. The frontier and the job live in the database,
 * so a killed crawl resumes where it stopped; claims of a dead job go back to the frontier.
 */
export const crawlLand = (landId: LandId, options: CrawlOptions, env: CrawlEnvironment = {}) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const frontier = yield* Frontier
    const lands = yield* LandRepo
    const land = yield* lands.get(landId)

    const stale = yield* jobs.interruptStale(land.id)
    yield* frontier.release(stale)
    const live = (yield* jobs.liveOnLand(land.id, "crawl")).filter((j) => j.id !== env.resumeJobId)
    if (live[0] !== undefined) return yield* new JobAlreadyRunning({ landId: land.id, jobId: live[0].id })
    yield* frontier.releaseOrphans(land.id)

    const job = env.resumeJobId === undefined
      ? yield* jobs.create(land.id, "crawl", options as unknown as Record<string, unknown>)
      : yield* jobs.get(env.resumeJobId)
    if (env.resumeJobId === undefined && options.http !== null) {
      yield* frontier.requeueStatus(land.id, options.http, options.depth)
    }
    yield* jobs.start(job.id)
    if (env.onJob) yield* env.onJob(job)
    return yield* runJob(job, land.id, options, env)
  })

const runJob = (job: Job, landId: LandId, options: CrawlOptions, env: CrawlEnvironment) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const frontier = yield* Frontier
    const progress = yield* Progress
    const startedAt = yield* Clock.currentTimeMillis
    const counters = yield* Ref.make<JobCounters & { links: number }>({ ...job.counters, links: 0 })
    const stage = yield* Ref.make<string>("starting")
    let seq = 0

    const snapshot = (status: JobStatus, type: "progress" | "final", error: string | null = null) =>
      Effect.gen(function*() {
        const c = yield* Ref.get(counters)
        const now = yield* Clock.currentTimeMillis
        const elapsedMs = now - startedAt
        const done = c.fetched + c.failed + c.skipped - job.counters.fetched - job.counters.failed - job.counters.skipped
        return {
          type,
          jobId: job.id,
          landId,
          kind: "crawl" as const,
          seq: ++seq,
          status,
          counters: { queued: c.queued, fetched: c.fetched, failed: c.failed, skipped: c.skipped, discovered: c.discovered },
          pagesPerSecond: elapsedMs > 0 ? Math.round((done / elapsedMs) * 100_000) / 100 : 0,
          elapsedMs,
          stage: yield* Ref.get(stage),
          error
        }
      })

    const heartbeat = Effect.gen(function*() {
      const pending = yield* frontier.pendingCount(landId, options.depth)
      const c = yield* Ref.updateAndGet(counters, (c) => ({ ...c, queued: pending }))
      const total = c.fetched + c.failed + c.skipped + pending
      yield* jobs.report(job.id, c, total === 0 ? 1 : (total - pending) / total, yield* Ref.get(stage))
    })
    const ticker = Effect.gen(function*() {
      let last = -1
      let lastReport = 0
      for (;;) {
        yield* Effect.sleep(PROGRESS_EVERY_MS)
        const now = yield* Clock.currentTimeMillis
        if (now - lastReport >= REPORT_EVERY_MS) {
          lastReport = now
          yield* heartbeat
        }
        const c = yield* Ref.get(counters)
        const mark = c.fetched + c.failed + c.skipped + c.discovered + c.queued
        if (mark !== last) {
          last = mark
          yield* progress.publish(yield* snapshot("running", "progress"))
        }
      }
    })

    const finish = (status: JobStatus, error: string | null) =>
      Effect.gen(function*() {
        yield* frontier.release([job.id])
        yield* heartbeat
        const c = yield* Ref.get(counters)
        const last = yield* snapshot(status, "final", error)
        const summary: CrawlSummary = {
          jobId: job.id,
          landId,
          status,
          fetched: c.fetched,
          failed: c.failed,
          skipped: c.skipped,
          discovered: c.discovered,
          links: c.links,
          pending: c.queued,
          durationMs: last.elapsedMs,
          pagesPerSecond: last.pagesPerSecond
        }
        yield* jobs.finish(job.id, status, summary as unknown as Record<string, unknown>, error)
        yield* progress.publish(last)
        return summary
      })

    const ticking = yield* Effect.forkScoped(ticker)
    const body = pipeline(job, landId, options, env, counters, stage)
    const summary = yield* body.pipe(
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          const cancelled = env.cancelled ? yield* Ref.get(env.cancelled) : false
          yield* finish(cancelled ? "cancelled" : "interrupted", null).pipe(Effect.orDie)
        })
      ),
      Effect.tapErrorCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.void
        const error = Cause.squash(cause)
        return finish("failed", error instanceof Error ? error.message : String(error)).pipe(Effect.ignore)
      }),
      Effect.flatMap(() => finish("completed", null))
    )
    yield* Fiber.interrupt(ticking)
    return summary
  }).pipe(Effect.scoped, Effect.withSpan("crawl", { attributes: { jobId: job.id, landId } }))

const pipeline = (
  job: Job,
  landId: LandId,
  options: CrawlOptions,
  env: CrawlEnvironment,
  counters: Ref.Ref<JobCounters & { links: number }>,
  stage: Ref.Ref<string>
) =>
  Effect.gen(function*() {
    const frontier = yield* Frontier
    const store = yield* PageStore
    const dictionary = yield* DictionaryRepo
    const lands = yield* LandRepo
    const fetcher = yield* Fetcher
    const robots = yield* Robots.make({ ignoreRobots: options.ignoreRobots })
    const land = yield* lands.get(landId)
    const compiled = compileDictionary(
      (yield* dictionary.list(landId)).map((e) => ({ term: e.term, weight: e.weight })),
      land.lang
    )
    const policy = { maxDepth: options.depth, minRelevance: options.minrel }

    const fetched = yield* Queue.bounded<Fetched>(options.concurrency * 2)
    const wake = yield* Queue.sliding<void>(1)
    const scheduler = yield* makeHostScheduler({
      concurrency: options.concurrency,
      perHost: options.perHost,
      delayMs: options.delayMs
    })
    const hostBuffer = Math.max(2, options.perHost * 2)
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
        intervalFloorMs: robots.check(claimed.normalizedUrl).pipe(Effect.map((v) => v.crawlDelayMs ?? 0)),
        run: fetcher.fetch(claimed.normalizedUrl, { allow }).pipe(
          Effect.either,
          Effect.flatMap((result) => Queue.offer(fetched, { claimed, result }))
        )
      })
    }

    // Claims more URLs while there is room, until nothing is left to claim and nothing is in flight.
    const dispatch = Effect.gen(function*() {
      yield* Ref.set(stage, "fetching")
      for (;;) {
        const limitLeft = options.limit === null ? Infinity : options.limit - dispatched
        const room = Math.min(maxQueued - scheduler.queued(), limitLeft)
        let got = 0
        if (room > 0 && (room >= maxQueued / 2 || outstanding === 0 || room === limitLeft)) {
          const excludeDomains = [...hostOfDomain].filter(([, host]) => scheduler.queuedFor(host) >= hostBuffer)
            .map(([domain]) => domain)
          const claimed = yield* frontier.claim({
            landId,
            jobId: job.id,
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
      if (page._tag === "NotHtml") return Effect.succeed(notHtmlOutcome(claimed, page))
      const extraction: Effect.Effect<Extraction | null> = page.status >= 400
        ? Effect.succeed(null)
        : Effect.try(() => extract(page.finalUrl, page.body, { links: options.links })).pipe(
          Effect.catchAll(() => Effect.succeed(null))
        )
      return Effect.map(extraction, (x) => htmlOutcome(claimed, page, x, compiled, policy))
    }

    const processing = Stream.fromQueue(fetched).pipe(
      Stream.mapEffect(toOutcome),
      Stream.groupedWithin(STORE_BATCH, "150 millis"),
      Stream.mapEffect((chunk) => {
        const pages = [...chunk]
        return store.store(landId, pages).pipe(
          Effect.tap((report) =>
            Ref.update(counters, (c) => ({
              ...c,
              fetched: c.fetched + pages.filter((p) => p.state === "fetched").length,
              failed: c.failed + pages.filter((p) => p.state === "failed").length,
              skipped: c.skipped + pages.filter((p) => p.state === "skipped").length,
              discovered: c.discovered + report.discovered,
              links: c.links + report.links
            }))
          ),
          Effect.tap(() => {
            outstanding -= pages.length
            return Queue.offer(wake, undefined)
          })
        )
      }),
      Stream.runDrain
    )
    const processor = yield* Effect.forkScoped(processing)
    yield* Effect.raceFirst(dispatch, Fiber.join(processor))
    yield* Ref.set(stage, "done")
  }).pipe(
    Effect.scoped,
    Effect.provide(Fetcher.layer({
      config: { ...env.fetcher, ...(options.userAgent ? { userAgent: options.userAgent } : {}) },
      ...(env.allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork: env.allowPrivateNetwork })
    }))
  )

/** The repositories a crawl needs over a SqlClient (the Fetcher is built per job from its options). */
export const CrawlerLive = Layer.mergeAll(
  JobRepo.Default,
  Frontier.Default,
  PageStore.Default,
  DictionaryRepo.Default,
  LandRepo.Default,
  Progress.Default
)
