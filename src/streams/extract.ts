import { Effect, Either } from "effect"
import type { FetchFailure, HtmlPage, NotHtml } from "../domain/fetch.js"
import type { DictionarySource } from "../domain/relevance.js"
import { ExtractorPool, type ScoredExtraction } from "../services/ExtractorPool.js"
import type { ClaimedUrl } from "../services/Frontier.js"
import type { Fetched } from "./fetch.js"

/** The extract stage's output: what the network said, and for an HTML page its extraction and relevance. */
export type Extracted =
  | { readonly _tag: "Unfetched"; readonly claimed: ClaimedUrl; readonly failure: FetchFailure }
  | { readonly _tag: "NotHtml"; readonly claimed: ClaimedUrl; readonly page: NotHtml }
  | {
    readonly _tag: "Html"
    readonly claimed: ClaimedUrl
    readonly page: HtmlPage
    /** Null for an error status (its body is an error page) or when the extraction failed. */
    readonly scored: ScoredExtraction | null
    /** Why the extractor gave up on the page, null otherwise. */
    readonly extractionError: string | null
  }

/**
 * The extract stage, `Fetched → Extracted`: the page's content, metadata, links and media, and its relevance to the
 * land's dictionary, all on the extraction threads; with `embed`, its paragraphs and `hash` vectors as well.
 */
export const makeExtractStage = (options: {
  readonly links: "content" | "all"
  readonly dictionary: DictionarySource
  readonly embed?: { readonly language: string | null } | undefined
}) =>
  Effect.gen(function*() {
    const extractor = yield* ExtractorPool
    yield* extractor.warm
    return ({ claimed, result }: Fetched): Effect.Effect<Extracted> => {
      if (Either.isLeft(result)) return Effect.succeed({ _tag: "Unfetched", claimed, failure: result.left })
      const page = result.right
      if (page._tag === "NotHtml") return Effect.succeed({ _tag: "NotHtml", claimed, page })
      if (page.status >= 400) return Effect.succeed({ _tag: "Html", claimed, page, scored: null, extractionError: null })
      return extractor.extractScored(page.finalUrl, page.body, { links: options.links }, options.dictionary, options.embed).pipe(
        Effect.map((scored): Extracted => ({ _tag: "Html", claimed, page, scored, extractionError: null })),
        Effect.catchTag("ExtractionFailed", (e) =>
          Effect.succeed<Extracted>({ _tag: "Html", claimed, page, scored: null, extractionError: `${e._tag}: ${e.message}` }))
      )
    }
  })
