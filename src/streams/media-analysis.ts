import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import type { LandId } from "../domain/ids.js"
import type { Fetcher } from "../services/Fetcher.js"
import { LandRepo } from "../services/LandRepo.js"
import { MediaAnalyzer } from "../services/MediaAnalyzer.js"
import { MediaRepo, type MediaSelection, type PendingMedia } from "../services/MediaRepo.js"
import { Politeness } from "../services/Politeness.js"
import type { CrawlOptions, CrawlSummary } from "./crawl-options.js"
import { type JobHooks, type JobTracker, runJob } from "./job-run.js"
import { type Analysed, type Downloaded, makeAnalyseStage, makeDownloadStage } from "./media.js"
import { type MediaOptions, mediaOptionsAfterCrawl, type MediaSummary } from "./media-options.js"
import { runPipeline } from "./pipeline.js"

const WRITE_BATCH = 25

/**
 * One media analysis job over a land: the files of its pages' media not analysed yet (within the depth and relevance
 * filters), each downloaded once however many pages show it → download (politeness, byte cap, timeout) → analysis,
 * CPU-bound and bounded → results written to the files' rows in batched transactions. What is written is done, so a
 * killed job resumes on the rows left; a file that cannot be fetched or decoded ends with its error.
 */
export const analyseLandMedia = (landId: LandId, options: MediaOptions, hooks: JobHooks = {}) =>
  Effect.gen(function*() {
    const repo = yield* MediaRepo
    const land = yield* (yield* LandRepo).find(landId)
    const selection: MediaSelection = { landId: land.id, maxDepth: options.depth, minRelevance: options.minrel }
    const rows = { count: 0 }
    return yield* runJob<MediaSummary, SqlError, Fetcher | Politeness | MediaRepo | MediaAnalyzer>({
      kind: "media",
      landId: land.id,
      parameters: options as unknown as Record<string, unknown>,
      remaining: repo.pendingCount(selection),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        analysed: f.counters.done,
        failed: f.counters.failed,
        skipped: f.counters.skipped,
        rows: rows.count,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        filesPerSecond: f.perSecond
      })
    }, hooks, (tracker) => mediaPipeline(tracker, selection, options, rows))
  })

const mediaPipeline = (tracker: JobTracker, selection: MediaSelection, options: MediaOptions, rows: { count: number }) =>
  Effect.gen(function*() {
    const repo = yield* MediaRepo
    const analyzer = yield* MediaAnalyzer
    const lane = yield* (yield* Politeness).lane({ concurrency: options.concurrency })
    const download = yield* makeDownloadStage({
      limits: { perHost: options.perHost, delayMs: options.delayMs },
      maxBytes: options.maxBytes
    })
    const analyse = yield* makeAnalyseStage
    const workers = Math.min(options.concurrency, analyzer.settings.workers)
    const maxQueued = Math.max(100, options.concurrency * 10)
    let cursor: string | null = null
    let exhausted = false

    // Pages through the files to do in key order (hosts interleaved), topping the lane up when it runs low.
    const take = (_outstanding: number) =>
      Effect.gen(function*() {
        if (exhausted || lane.queued() > maxQueued / 2) return []
        const page: ReadonlyArray<PendingMedia> = yield* repo.pending(selection, cursor, maxQueued - lane.queued())
        if (page.length === 0) exhausted = true
        else cursor = page[page.length - 1]!.key
        return page
      })

    const write = (batch: ReadonlyArray<Analysed>) =>
      repo.record(batch.map((a) => a.result)).pipe(
        Effect.zipRight(tracker.count((c) => {
          for (const a of batch) rows.count += a.result.ids.length
          return {
            ...c,
            done: c.done + batch.filter((a) => a.outcome === "analysed").length,
            failed: c.failed + batch.filter((a) => a.outcome === "failed").length,
            skipped: c.skipped + batch.filter((a) => a.outcome === "skipped").length
          }
        }))
      )

    yield* tracker.stage("analysing")
    // At most `concurrency + 2 × workers` files are held in memory, each under the byte cap.
    yield* runPipeline<PendingMedia, Downloaded, Analysed, SqlError, never>({
      take,
      start: (target, emit) => lane.submit(download(target, emit)),
      process: analyse,
      concurrency: workers,
      buffer: workers,
      store: write,
      batchSize: WRITE_BATCH,
      batchWindow: "150 millis"
    })
    yield* tracker.stage("done")
  }).pipe(Effect.scoped)

/**
 * `land crawl --media` (and the API's crawl job with `media: true`): once a crawl has completed, the media of its
 * pages within its depth, as politely as it crawled. Null when not asked for or when the crawl did not complete.
 */
export const analyseAfterCrawl = (landId: LandId, crawl: CrawlOptions, summary: CrawlSummary, hooks: JobHooks = {}) =>
  crawl.media && summary.status === "completed"
    ? analyseLandMedia(landId, mediaOptionsAfterCrawl(crawl), hooks)
    : Effect.succeed(null)
