import type { SqlError } from "@effect/sql/SqlError"
import { Chunk, Deferred, Effect, Either, Fiber, Queue } from "effect"
import type { EmbeddingError } from "../domain/embedding-errors.js"
import type { LandId } from "../domain/ids.js"
import { type EmbedderChoice, Embedders } from "../services/Embedders.js"
import type { Embedder } from "../services/embeddings/Embedder.js"
import { hashEmbedder } from "../services/embeddings/hash.js"
import { InlineEmbedding, type InlineWritten } from "../services/InlineEmbedding.js"
import { LandRepo } from "../services/LandRepo.js"
import { type EmbedSelection, type PageToEmbed, ParagraphStore } from "../services/ParagraphStore.js"
import type { CrawlSummary } from "./crawl-options.js"
import { type EmbeddedBatch, makeSplitStage, makeVectorStage, type ParagraphBatch } from "./embed.js"
import type { EmbedOptions, EmbedSummary } from "./embed-options.js"
import { type JobHooks, type JobTracker, runJob } from "./job-run.js"
import { runPipeline } from "./pipeline.js"

const PAGE_BATCH = 50
const WRITE_BATCH = 4
// While a crawl runs beside the job, how often it looks for the pages the crawl stored.
const FOLLOW_EVERY = "1 second"
// How often it counts the pages a crawl embedded and wrote itself.
const INLINE_EVERY = "100 millis"

/** A crawl an embed job runs beside: done once the crawl is; the pages it embedded itself (`hash` provider) if any. */
export interface Follow {
  readonly done: Deferred.Deferred<void>
  readonly pages?: Queue.Dequeue<InlineWritten>
}

interface Tally {
  paragraphs: number
  vectors: number
}

/**
 * One embed job over a land: its pages with readable text (at least `minrel` relevant) whose paragraphs are not from
 * their current text or lack a vector of the model → split (stored at once) → vectors, through the model, a few batches
 * at once → stored in batches. What is stored is done: a killed job resumed, or a new one, embeds only what is missing.
 * With `follow`, the job runs beside a crawl: it embeds the pages the crawl stores as they come (or counts those the
 * crawl embedded and wrote itself), and ends after one last pass once the crawl is done.
 */
export const embedLand = (
  landId: LandId,
  options: EmbedOptions,
  hooks: JobHooks = {},
  follow?: Follow
) =>
  Effect.gen(function*() {
    const embedder = yield* landEmbedder(landId, { provider: options.provider, model: options.model })
    const store = yield* ParagraphStore
    const land = yield* (yield* LandRepo).find(landId)
    const selection: EmbedSelection = { landId: land.id, minRelevance: options.minrel, model: embedder.key }
    const tally: Tally = { paragraphs: 0, vectors: 0 }
    // The pending count walks the land: counted at the start and at each pass's end, estimated in between.
    const pending = { counted: yield* store.pendingCount(selection), done: 0 }
    return yield* runJob<EmbedSummary, SqlError | EmbeddingError, ParagraphStore>({
      kind: "embed",
      landId: land.id,
      parameters: { ...options, provider: embedder.provider, model: embedder.model },
      remaining: Effect.sync(() => Math.max(0, pending.counted - pending.done)),
      // A land embedded for the first time searches at once, as its vectors come; another model takes over at the end,
      // if it covers the land by then.
      prepare: () => store.setLandModel(land.id, embedder.key),
      release: () => store.settleLandModel(land.id, embedder.key),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        model: embedder.key,
        pages: f.counters.done,
        empty: f.counters.skipped,
        paragraphs: tally.paragraphs,
        vectors: tally.vectors,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        vectorsPerSecond: f.elapsedMs > 0 ? Math.round((tally.vectors / f.elapsedMs) * 100_000) / 100 : 0
      })
    }, hooks, (tracker) =>
      embedPipeline(tracker, embedder, selection, land.lang[0] ?? null, options, tally, pending, follow).pipe(
        Effect.zipRight(Effect.suspend(() => store.pendingCount(selection))),
        Effect.map((left) => {
          pending.counted = left
          pending.done = 0
        })
      ))
  })

/** The model a job asks for, else the one the land searches with, else `MWI_EMBED_PROVIDER`'s (default `hash`). */
const landEmbedder = (landId: LandId, choice: EmbedderChoice) =>
  Effect.gen(function*() {
    const embedders = yield* Embedders
    const model = choice.provider === undefined && choice.model === undefined
      ? yield* (yield* ParagraphStore).landModel(landId)
      : null
    return yield* (model === null ? embedders.choose(choice) : embedders.forKey(model))
  })

const embedPipeline = (
  tracker: JobTracker,
  embedder: Embedder,
  selection: EmbedSelection,
  landLanguage: string | null,
  options: EmbedOptions,
  tally: Tally,
  pending: { counted: number; done: number },
  follow: Follow | undefined
) =>
  Effect.gen(function*() {
    const store = yield* ParagraphStore
    const split = yield* makeSplitStage(embedder, landLanguage)
    const vectors = makeVectorStage(embedder)
    let afterId = 0
    let taken = 0
    let stopped = false
    yield* tracker.stage(follow === undefined ? "embedding" : "following the crawl")
    if (follow?.pages !== undefined) yield* countInline(tracker, follow.pages, follow.done, tally, pending)
    // Beside a crawl, passes take only the pages it adds (new text); the last pass, once it is over, takes all.
    let lastPass = follow === undefined || follow.pages !== undefined

    const takePages = (outstanding: number): Effect.Effect<ReadonlyArray<PageToEmbed>, SqlError> =>
      Effect.gen(function*() {
        for (;;) {
          const room = options.limit === null ? PAGE_BATCH : Math.min(PAGE_BATCH, options.limit - taken)
          if (stopped || room <= 0) return []
          const pages = yield* store.next(selection, afterId, room, !lastPass)
          if (pages.length > 0) {
            afterId = pages[pages.length - 1]!.id
            taken += pages.length
            return pages
          }
          // A new pass starts from the first page once everything taken is stored (else pages would be taken twice).
          if (outstanding > 0) return []
          if (lastPass) {
            stopped = true
            return []
          }
          if (follow !== undefined && !(yield* Deferred.isDone(follow.done))) {
            yield* Deferred.await(follow.done).pipe(Effect.timeout(FOLLOW_EVERY), Effect.ignore)
          }
          lastPass = follow === undefined || (yield* Deferred.isDone(follow.done))
          afterId = 0
        }
      })

    const take = (outstanding: number): Effect.Effect<ReadonlyArray<ParagraphBatch>, SqlError> =>
      Effect.gen(function*() {
        // Each batch in flight holds its texts and, once embedded, its vectors: a few at once are enough.
        if (outstanding >= embedder.concurrency * 2) return []
        for (;;) {
          const pages = yield* takePages(outstanding)
          if (pages.length === 0) return []
          const report = yield* split(pages)
          tally.paragraphs += report.split
          pending.done += report.empty + report.complete
          if (report.empty + report.complete > 0) {
            yield* tracker.count((c) => ({ ...c, done: c.done + report.complete, skipped: c.skipped + report.empty }))
          }
          if (report.batches.length > 0) return report.batches
        }
      })

    const write = (batch: ReadonlyArray<EmbeddedBatch>) =>
      store.store(embedder.key, batch.flatMap((b) => b.vectors)).pipe(
        Effect.zipRight(tracker.count((c) => {
          const pages = batch.reduce((n, b) => n + b.pages.length, 0)
          tally.vectors += batch.reduce((n, b) => n + b.vectors.length, 0)
          pending.done += pages
          return { ...c, done: c.done + pages }
        }))
      )

    yield* runPipeline<ParagraphBatch, ParagraphBatch, EmbeddedBatch, SqlError | EmbeddingError, never>({
      take,
      start: (batch, emit) => emit(batch),
      process: vectors,
      concurrency: embedder.concurrency,
      buffer: embedder.concurrency,
      store: write,
      batchSize: WRITE_BATCH,
      batchWindow: "200 millis"
    })
    yield* tracker.stage("done")
  })

/**
 * The pages a crawl split, embedded and wrote itself, counted as the job's own until the crawl is done. Pages it did
 * not embed, or whose paragraphs are not from their stored text, are left to the job's pass over the database.
 */
const countInline = (
  tracker: JobTracker,
  reports: Queue.Dequeue<InlineWritten>,
  done: Deferred.Deferred<void>,
  tally: Tally,
  pending: { counted: number; done: number }
) =>
  Effect.gen(function*() {
    for (;;) {
      // Read before taking: once the crawl is done, it has reported every page.
      const last = yield* Deferred.isDone(done)
      const written = Chunk.toReadonlyArray(yield* Queue.takeAll(reports))
      if (written.length > 0) {
        const pages = written.reduce((n, w) => n + w.pages, 0)
        const empty = written.reduce((n, w) => n + w.empty, 0)
        const paragraphs = written.reduce((n, w) => n + w.paragraphs, 0)
        tally.paragraphs += paragraphs
        tally.vectors += paragraphs
        pending.done += pages
        yield* tracker.count((c) => ({ ...c, done: c.done + pages - empty, skipped: c.skipped + empty }))
        continue
      }
      if (last) return
      yield* Deferred.await(done).pipe(Effect.timeout(INLINE_EVERY), Effect.ignore)
    }
  })

/**
 * `land crawl --embed` (and the API's crawl job with `embed: true`): an embed job beside the crawl, embedding the pages
 * it stores as they come, with the land's model (else `MWI_EMBED_PROVIDER`'s). The model is chosen before the crawl
 * starts, so a missing key fails at once; the embed job starts once the crawl's has (whose id the API answers with).
 * With the `hash` provider, the crawl's extraction threads split and embed the pages, and the crawl writes what they
 * made. An embed job that fails (a key rejected part-way) leaves the crawl's result whole: it is answered beside it.
 */
export const crawlWithEmbed = <E, R>(
  landId: LandId,
  embed: boolean,
  crawl: (hooks: JobHooks) => Effect.Effect<CrawlSummary, E, R>,
  hooks: JobHooks = {}
) =>
  Effect.gen(function*() {
    if (!embed) return { crawl: yield* crawl(hooks), embed: null, embedFailure: null }
    const embedder = yield* landEmbedder(landId, {})
    const started = yield* Deferred.make<void>()
    const done = yield* Deferred.make<void>()
    const pages = embedder.key === hashEmbedder.key ? yield* (yield* InlineEmbedding).follow(landId) : undefined
    const embedding = yield* Effect.forkScoped(Deferred.await(started).pipe(
      Effect.zipRight(embedLand(landId, { minrel: null, limit: null }, { ...hooks, resumeJobId: undefined }, {
        done,
        ...(pages === undefined ? {} : { pages })
      }))
    ))
    const summary = yield* crawl({
      ...hooks,
      onJob: (job) => Effect.zipRight(hooks.onJob?.(job) ?? Effect.void, Deferred.succeed(started, undefined))
    }).pipe(Effect.ensuring(Deferred.succeed(done, undefined)))
    const embedded = yield* Effect.either(Fiber.join(embedding))
    return Either.isRight(embedded)
      ? { crawl: summary, embed: embedded.right, embedFailure: null }
      : { crawl: summary, embed: null, embedFailure: embedded.left }
  }).pipe(Effect.scoped)
