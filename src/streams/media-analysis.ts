import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Either, Fiber, Layer, Queue, Stream } from "effect"
import { type FetchFailure, isHtmlMime } from "../domain/fetch.js"
import type { LandId } from "../domain/ids.js"
import {
  type MediaFacts,
  type MediaFailure,
  mediaFailureReason,
  MediaHttpStatus,
  noFacts,
  WrongContentType
} from "../domain/media-analysis.js"
import { type BytesBody, Fetcher } from "../services/Fetcher.js"
import { LandRepo } from "../services/LandRepo.js"
import { fileFacts, MediaAnalyzer, mimeOf } from "../services/MediaAnalyzer.js"
import { type MediaResult, MediaRepo, type MediaSelection, type PendingMedia } from "../services/MediaRepo.js"
import { hostOf, makeHostScheduler } from "./host-scheduler.js"
import { type CrawlEnvironment, jobFetcher } from "./crawl.js"
import { type JobTracker, runJob } from "./job-run.js"
import type { CrawlOptions, CrawlSummary } from "./crawl-options.js"
import { type MediaOptions, mediaOptionsAfterCrawl, type MediaSummary } from "./media-options.js"

/** The same as a crawl's: network permissions, fetcher settings and the job hooks. */
export type MediaEnvironment = CrawlEnvironment

interface Downloaded {
  readonly target: PendingMedia
  readonly result: Either.Either<BytesBody, FetchFailure>
}

interface Analysed {
  readonly outcome: "analysed" | "skipped" | "failed"
  readonly result: MediaResult
}

const WRITE_BATCH = 25

/**
 * One media analysis job over a land: the files of its pages' media not analysed yet (within the depth and relevance
 * filters), each downloaded once however many pages show it → host actors (politeness, byte cap, timeout) →
 * analysis, CPU-bound and bounded → results written to the files' rows in batched transactions. What is written is
 * done, so a killed job resumes on the rows left; a file that cannot be fetched or decoded ends with its error.
 */
export const analyseLandMedia = (landId: LandId, options: MediaOptions, env: MediaEnvironment = {}) =>
  Effect.gen(function*() {
    const repo = yield* MediaRepo
    const land = yield* (yield* LandRepo).find(landId)
    const selection: MediaSelection = { landId: land.id, maxDepth: options.depth, minRelevance: options.minrel }
    const rows = { count: 0 }
    return yield* runJob<MediaSummary, SqlError, Fetcher | MediaRepo | MediaAnalyzer>({
      kind: "media",
      landId: land.id,
      parameters: options as unknown as Record<string, unknown>,
      remaining: repo.pendingCount(selection),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        analysed: f.counters.fetched,
        failed: f.counters.failed,
        skipped: f.counters.skipped,
        rows: rows.count,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        filesPerSecond: f.perSecond
      })
    }, env, (tracker) => pipeline(tracker, selection, options, rows)).pipe(Effect.provide(jobFetcher(env)))
  })

const pipeline = (tracker: JobTracker, selection: MediaSelection, options: MediaOptions, rows: { count: number }) =>
  Effect.gen(function*() {
    const repo = yield* MediaRepo
    const fetcher = yield* Fetcher
    const analyzer = yield* MediaAnalyzer
    const workers = Math.min(options.concurrency, analyzer.settings.workers)
    // Bounded so that at most `concurrency + 2 × workers` files are held in memory, each under the byte cap.
    const downloaded = yield* Queue.bounded<Downloaded>(workers)
    const wake = yield* Queue.sliding<void>(1)
    const scheduler = yield* makeHostScheduler({
      concurrency: options.concurrency,
      perHost: options.perHost,
      delayMs: options.delayMs
    })
    const maxQueued = Math.max(100, options.concurrency * 10)
    let outstanding = 0

    const submit = (target: PendingMedia) =>
      scheduler.submit({
        host: hostOf(target.url),
        run: (requestStarting) =>
          fetcher.fetchBytes(target.url, {
            maxBytes: options.maxBytes,
            sizeOnly: target.type !== "image",
            onRequest: () => requestStarting
          }).pipe(
            Effect.either,
            Effect.flatMap((result) => Queue.offer(downloaded, { target, result }))
          )
      })

    // Pages through the files to do in key order (hosts interleaved), topping the scheduler up when it runs low;
    // ends when everything submitted is written.
    const dispatch = Effect.gen(function*() {
      let cursor: string | null = null
      for (;;) {
        if (scheduler.queued() > maxQueued / 2) {
          yield* Queue.take(wake)
          continue
        }
        const page: ReadonlyArray<PendingMedia> = yield* repo.pending(selection, cursor, maxQueued - scheduler.queued())
        if (page.length === 0) break
        cursor = page[page.length - 1]!.key
        for (const target of page) {
          outstanding++
          yield* submit(target)
        }
      }
      while (outstanding > 0) yield* Queue.take(wake)
    })

    const analyse = ({ result, target }: Downloaded): Effect.Effect<Analysed> => {
      const done = (outcome: Analysed["outcome"], facts: MediaFacts, error: MediaFailure | null): Analysed => ({
        outcome,
        result: { ids: target.ids, facts, error: error === null ? null : mediaFailureReason(error) }
      })
      if (Either.isLeft(result)) return Effect.succeed(done("failed", noFacts, result.left))
      const response = result.right
      const mimeType = mimeOf(response.contentType)
      if (response.status < 200 || response.status >= 300) {
        return Effect.succeed(done("failed", { ...noFacts, mimeType }, new MediaHttpStatus({
          url: response.finalUrl,
          status: response.status
        })))
      }
      if (target.type !== "image") {
        const facts = { ...noFacts, mimeType, fileSize: response.bytes }
        // Video and audio are not sniffed (their bodies are not read): an HTML answer is an error page.
        return Effect.succeed(
          mimeType !== null && isHtmlMime(mimeType)
            ? done("failed", facts, new WrongContentType({ expected: target.type, contentType: mimeType, html: true }))
            : done("analysed", facts, null)
        )
      }
      const bytes = response.body ?? new Uint8Array()
      return analyzer.image(bytes, response.contentType).pipe(
        Effect.map((facts) => done(facts.format === "svg" ? "skipped" : "analysed", facts, null)),
        Effect.catchAll((error) => Effect.succeed(done("failed", fileFacts(bytes, response.contentType), error)))
      )
    }

    const write = (batch: ReadonlyArray<Analysed>) =>
      repo.record(batch.map((a) => a.result)).pipe(
        Effect.zipRight(tracker.count((c) => ({
          ...c,
          fetched: c.fetched + batch.filter((a) => a.outcome === "analysed").length,
          failed: c.failed + batch.filter((a) => a.outcome === "failed").length,
          skipped: c.skipped + batch.filter((a) => a.outcome === "skipped").length
        }))),
        Effect.zipRight(Effect.suspend(() => {
          for (const a of batch) rows.count += a.result.ids.length
          outstanding -= batch.length
          return Queue.offer(wake, undefined)
        }))
      )

    const processing = Stream.fromQueue(downloaded).pipe(
      Stream.mapEffect(analyse, { concurrency: workers, unordered: true }),
      Stream.groupedWithin(WRITE_BATCH, "150 millis"),
      Stream.mapEffect((chunk) => write([...chunk])),
      Stream.runDrain
    )
    yield* tracker.stage("analysing")
    const processor = yield* Effect.forkScoped(processing)
    yield* Effect.raceFirst(dispatch, Fiber.join(processor))
    yield* tracker.stage("done")
  }).pipe(Effect.scoped)

/** The services a media job needs over a SqlClient, besides the crawl's (the Fetcher is built per job). */
export const MediaLive = Layer.mergeAll(MediaRepo.Default, MediaAnalyzer.Default)

/**
 * `land crawl --media` (and the API's crawl job with `media: true`): once a crawl has completed, the media of its
 * pages within its depth, as politely as it crawled. Null when not asked for or when the crawl did not complete.
 */
export const analyseAfterCrawl = (landId: LandId, crawl: CrawlOptions, summary: CrawlSummary, env: MediaEnvironment = {}) =>
  crawl.media && summary.status === "completed"
    ? analyseLandMedia(landId, mediaOptionsAfterCrawl(crawl), env)
    : Effect.succeed(null)
