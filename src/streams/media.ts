import { Effect, Either } from "effect"
import { type FetchFailure, isHtmlMime } from "../domain/fetch.js"
import {
  type MediaFacts,
  type MediaFailure,
  mediaFailureReason,
  MediaHttpStatus,
  noFacts,
  WrongContentType
} from "../domain/media-analysis.js"
import { type BytesBody, Fetcher } from "../services/Fetcher.js"
import { fileFacts, MediaAnalyzer, mimeOf } from "../services/MediaAnalyzer.js"
import type { MediaResult, PendingMedia } from "../services/MediaRepo.js"
import { hostOf, type HostLimits, type HostWork } from "../services/Politeness.js"

/** The download stage's output: a media file and what the network answered, or why it did not. */
export interface Downloaded {
  readonly target: PendingMedia
  readonly result: Either.Either<BytesBody, FetchFailure>
}

/** The analysis stage's output: the facts and error written to every row showing the file. */
export interface Analysed {
  readonly outcome: "analysed" | "skipped" | "failed"
  readonly result: MediaResult
}

/**
 * The download stage, `PendingMedia → Downloaded`, as work for the politeness lane: images are read under the byte
 * cap, video and audio only sized.
 */
export const makeDownloadStage = (options: { readonly limits: HostLimits; readonly maxBytes: number }) =>
  Effect.map(Fetcher, (fetcher) => (target: PendingMedia, emit: (d: Downloaded) => Effect.Effect<void>): HostWork => ({
    host: hostOf(target.url),
    limits: options.limits,
    run: (paced) =>
      fetcher.fetchBytes(target.url, { ...paced, maxBytes: options.maxBytes, sizeOnly: target.type !== "image" }).pipe(
        Effect.either,
        Effect.flatMap((result) => emit({ target, result }))
      )
  }))

/** The analysis stage, `Downloaded → Analysed`: decoding and measuring an image; typing and sizing video and audio. */
export const makeAnalyseStage = Effect.map(MediaAnalyzer, (analyzer) => ({ result, target }: Downloaded): Effect.Effect<Analysed> => {
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
})
