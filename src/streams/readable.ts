import type { SqlError } from "@effect/sql/SqlError"
import { Deferred, Effect, Either, Option } from "effect"
import { InvalidInput, type LandNotFound } from "../domain/errors.js"
import type { Extraction } from "../domain/extraction.js"
import { failureReason } from "../domain/fetch.js"
import type { LandId } from "../domain/ids.js"
import { mergeReadable, type ReadableFields, readableChanges } from "../domain/readable-merge.js"
import { compileDictionary, storedRelevance } from "../domain/relevance.js"
import { availabilityUrl, parseAvailability } from "../domain/web-archive.js"
import { DictionaryRepo } from "../services/DictionaryRepo.js"
import { ExtractorPool } from "../services/ExtractorPool.js"
import { Fetcher } from "../services/Fetcher.js"
import type { Job } from "../domain/job.js"
import { JobRepo } from "../services/JobRepo.js"
import { LandRepo } from "../services/LandRepo.js"
import { type ReadableResult, type ReadableSelection, ReadableStore, type StoredPage } from "../services/ReadableStore.js"
import { hostOf, type HostRequest, Politeness } from "../services/Politeness.js"
import { WebArchive } from "../services/WebArchive.js"
import { type JobHooks, type JobTracker, runJob } from "./job-run.js"
import { outLinks } from "./links.js"
import { runPipeline } from "./pipeline.js"
import type { ReadableOptions, ReadableSummary } from "./readable-options.js"

type Winner = "readability" | "archive" | "heuristic"

interface Processed {
  readonly result: ReadableResult
  readonly winner: Winner | null
}

const READ_BATCH = 50
// Archive requests in a row that get no answer at all (host not found, refused, timed out) before the archive is taken
// as unreachable: the job goes on without it rather than waiting out a timeout for every page.
const ARCHIVE_DOWN_AFTER = 3
const WRITE_BATCH = 25
// The availability answer is a small JSON document.
const AVAILABILITY_MAX_BYTES = 1024 * 1024

const archiveBase = Effect.gen(function*() {
    const base = (yield* WebArchive).url
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
      return yield* new InvalidInput({ field: "MWI_ARCHIVE_URL", reason: `${JSON.stringify(base)} is not an http(s) URL` })
    }
    return base
  })

/** Whether the archive answers: once it is unreachable, no page asks it any more. */
interface ArchiveHealth {
  failuresInARow: number
  unreachable: string | null
}

// The failures where the archive gave no answer at all (a body too large or a redirect loop is an answer).
const NO_ANSWER: ReadonlySet<string> = new Set(["FetchTimeout", "NetworkError", "HostNotFound", "ConnectionRefused", "TlsFailure", "PrivateAddress"])

const passOf = (job: Job): number | null =>
  typeof job.parameters["passFrom"] === "number" ? job.parameters["passFrom"] : null

/**
 * A new job continues the pass of the land's last readable job when that one left pages to do (a `--limit` run, an
 * interruption, a failure); after a complete pass it starts a new one, going through every page again.
 */
const nextPass = (landId: LandId) =>
  Effect.gen(function*() {
    const last = (yield* (yield* JobRepo).listByLand(landId)).find((j) => j.kind === "readable")
    if (last === undefined) return 0
    const complete = last.status === "completed" && last.result?.["pending"] === 0
    return complete ? last.id + 1 : passOf(last) ?? last.id
  })

/**
 * One readable job over a land's fetched pages: each page's readable content is re-extracted through a chain —
 * Readability on the stored HTML, then the web archive's closest snapshot, then the heuristic extractor on the
 * stored HTML — and merged into the stored page by the chosen strategy. A changed text recomputes the relevance and
 * rebuilds the page's links and media. Every page ends updated, unchanged, or failed with the reason; pages are
 * marked with the job as they are written, so a killed job resumes on the pages left.
 */
export const readableLand = (landId: LandId, options: ReadableOptions, hooks: JobHooks = {}) =>
  Effect.gen(function*() {
    const store = yield* ReadableStore
    const land = yield* (yield* LandRepo).find(landId)
    const base = yield* archiveBase
    const jobs = yield* JobRepo
    const passFrom = hooks.resumeJobId === undefined
      ? yield* nextPass(land.id)
      : passOf(yield* jobs.get(hooks.resumeJobId)) ?? hooks.resumeJobId
    const selection: ReadableSelection = { landId: land.id, passFrom, maxDepth: options.depth }
    const tally = { readability: 0, archive: 0, heuristic: 0 }
    const archive: ArchiveHealth = { failuresInARow: 0, unreachable: null }
    return yield* runJob<
      ReadableSummary,
      SqlError | LandNotFound,
      Fetcher | Politeness | ReadableStore | DictionaryRepo | ExtractorPool
    >({
      kind: "readable",
      landId: land.id,
      parameters: { ...options, passFrom },
      remaining: store.pendingCount(selection),
      summarize: (f) => ({
        jobId: f.job.id,
        landId: land.id,
        status: f.status,
        updated: f.counters.done,
        unchanged: f.counters.skipped,
        failed: f.counters.failed,
        sources: { ...tally },
        archiveUnreachable: archive.unreachable,
        discovered: f.counters.discovered,
        pending: f.counters.queued,
        durationMs: f.elapsedMs,
        pagesPerSecond: f.perSecond
      })
    }, hooks, (tracker) => readablePipeline(tracker, selection, land.lang, options, base, tally, archive))
  })

const readablePipeline = (
  tracker: JobTracker,
  selection: ReadableSelection,
  landLangs: ReadonlyArray<string>,
  options: ReadableOptions,
  archive: string,
  tally: Record<Winner, number>,
  health: ArchiveHealth
) =>
  Effect.gen(function*() {
    const store = yield* ReadableStore
    const fetcher = yield* Fetcher
    const extractor = yield* ExtractorPool
    const dictionary = compileDictionary(
      (yield* (yield* DictionaryRepo).list(selection.landId)).map((e) => ({ term: e.term, weight: e.weight })),
      landLangs
    )
    const lane = yield* (yield* Politeness).lane({ concurrency: options.concurrency })
    const limits = { perHost: options.perHost, delayMs: options.delayMs }

    // A request through the host actors (the archive's politeness), awaited by the page that needs it.
    const polite = <A, E>(url: string, request: (paced: HostRequest) => Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<A, E>()
        yield* lane.submit({
          host: hostOf(url),
          limits,
          run: (paced) => Deferred.complete(done, request(paced)).pipe(Effect.asVoid)
        })
        return yield* Deferred.await(done)
      })

    const extractHtml = (url: string, html: string) => extractor.extract(url, html, { links: "content" })

    const hasText = (x: Extraction | null): x is Extraction => x !== null && x.readableText.trim() !== ""

    /** The archive's closest capture of the page, extracted as if it had been served by the page's own address. */
    const fromArchive = (page: StoredPage): Effect.Effect<Either.Either<Extraction, string>> =>
      health.unreachable !== null
        ? Effect.succeed(Either.left(`the archive was not asked: it was unreachable (${health.unreachable})`))
        : askArchive(page)

    const askArchive = (page: StoredPage): Effect.Effect<Either.Either<Extraction, string>> =>
      Effect.gen(function*() {
        const asked = availabilityUrl(archive, page.url, page.fetchedAt)
        const answer = yield* polite(asked, (paced) =>
          fetcher.fetchBytes(asked, { maxBytes: AVAILABILITY_MAX_BYTES, ...paced }))
        health.failuresInARow = 0
        if (answer.status < 200 || answer.status >= 300 || answer.body === null) {
          return Either.left(`the archive's availability API answered HTTP ${answer.status}`)
        }
        const found = parseAvailability(new TextDecoder().decode(answer.body))
        if (Either.isLeft(found)) return Either.left(found.left.message)
        if (Option.isNone(found.right)) return Either.left("the archive has no snapshot")
        const snapshot = found.right.value
        const capture = yield* polite(snapshot.rawUrl, (paced) => fetcher.fetch(snapshot.rawUrl, paced))
        if (capture._tag === "NotHtml" || capture.status >= 400) {
          return Either.left(`the archive's snapshot ${snapshot.timestamp} answered HTTP ${capture.status}` +
            (capture._tag === "NotHtml" ? ` with ${capture.contentType ?? "no content type"}` : ""))
        }
        const extraction = yield* extractHtml(page.url, capture.body).pipe(
          Effect.mapError((e) => `the archive's snapshot ${snapshot.timestamp}: ${e.reason}`)
        )
        return hasText(extraction)
          ? Either.right(extraction)
          : Either.left(`the archive's snapshot ${snapshot.timestamp} has no readable text`)
      }).pipe(Effect.catchAll((failure) =>
        Effect.gen(function*() {
          if (typeof failure === "string") return Either.left(failure)
          const reason = failureReason(failure)
          if (NO_ANSWER.has(failure._tag) && ++health.failuresInARow >= ARCHIVE_DOWN_AFTER && health.unreachable === null) {
            health.unreachable = reason.slice(0, 200)
            yield* tracker.stage(`archive unreachable (${failure._tag}): going on without it`)
          }
          return Either.left(`archive: ${reason}`)
        })
      ))

    const merged = (page: StoredPage, x: Extraction, winner: Winner): Processed => {
      const fresh: ReadableFields = {
        title: x.title,
        description: x.description,
        language: x.lang,
        publishedAt: x.publishedAt,
        readable: x.readableMarkdown === ""
          ? null
          : { markdown: x.readableMarkdown, source: winner, wordCount: x.wordCount, readingTime: x.readingTimeMinutes }
      }
      const fields = mergeReadable(options.merge, page.fields, fresh)
      const changes = readableChanges(page.fields, fields)
      if (!changes.any) return { winner, result: { _tag: "Unchanged", id: page.id } }
      const score = changes.relevance
        ? storedRelevance(dictionary, { title: fields.title, markdown: fields.readable?.markdown ?? null, lang: fields.language })
        : null
      const follows = score !== null && score >= options.minrel
      return {
        winner,
        result: {
          _tag: "Updated",
          id: page.id,
          fields,
          relevance: score,
          graph: changes.text
            ? {
              expressionId: page.id,
              depth: page.depth,
              links: follows ? outLinks(x.links) : [],
              createTargets: follows && page.depth + 1 <= options.maxDepth,
              media: x.media,
              replaceLinks: true
            }
            : null
        }
      }
    }

    const processPage = (page: StoredPage): Effect.Effect<Processed> =>
      Effect.gen(function*() {
        // An extraction that fails (its worker crashed or timed out) is that source's reason, not the page's end.
        const attempt = page.html === null ? null : yield* Effect.either(extractHtml(page.url, page.html))
        const local = attempt !== null && Either.isRight(attempt) ? attempt.right : null
        if (hasText(local) && local.readableSource === "readability") return merged(page, local, "readability")
        const reasons = [
          attempt === null
            ? "no stored HTML"
            : Either.isLeft(attempt)
            ? `the stored HTML: ${attempt.left.reason}`
            : "Readability found no article in the stored HTML"
        ]
        if (options.archive) {
          const archived = yield* fromArchive(page)
          if (Either.isRight(archived)) return merged(page, archived.right, "archive")
          reasons.push(archived.left)
        } else {
          reasons.push("the archive was not asked (--no-archive)")
        }
        if (hasText(local)) return merged(page, local, "heuristic")
        if (local !== null) reasons.push("the heuristic found no text either")
        return { winner: null, result: { _tag: "Failed", id: page.id, reason: `no readable content: ${reasons.join("; ")}` } }
      })

    const write = (batch: ReadonlyArray<Processed>) =>
      store.write(selection.landId, tracker.job.id, batch.map((p) => p.result)).pipe(
        Effect.tap((report) =>
          tracker.count((c) => {
            for (const p of batch) if (p.winner !== null) tally[p.winner]++
            return {
              ...c,
              done: c.done + batch.filter((p) => p.result._tag === "Updated").length,
              skipped: c.skipped + batch.filter((p) => p.result._tag === "Unchanged").length,
              failed: c.failed + batch.filter((p) => p.result._tag === "Failed").length,
              discovered: c.discovered + report.discovered
            }
          })
        )
      )

    // Keyset pages over the selection; a page written by this job drops out of it, so the cursor only moves forward.
    let afterId = 0
    let taken = 0
    let exhausted = false
    const take = (outstanding: number) =>
      Effect.gen(function*() {
        const room = Math.min(READ_BATCH - outstanding, options.limit === null ? Infinity : options.limit - taken)
        if (exhausted || room <= 0) return []
        const rows = yield* store.next(selection, afterId, Math.min(room, READ_BATCH))
        if (rows.length < Math.min(room, READ_BATCH)) exhausted = true
        if (rows.length > 0) afterId = rows[rows.length - 1]!.id
        taken += rows.length
        return rows
      })

    yield* tracker.stage("extracting")
    yield* runPipeline<StoredPage, StoredPage, Processed, SqlError, never>({
      take,
      start: (page, emit) => emit(page),
      process: processPage,
      concurrency: options.concurrency,
      buffer: options.concurrency,
      store: write,
      batchSize: WRITE_BATCH,
      batchWindow: "150 millis"
    })
    yield* tracker.stage("done")
  }).pipe(Effect.scoped)

