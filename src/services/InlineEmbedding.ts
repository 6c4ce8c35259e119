import { Effect, Queue } from "effect"
import type { ExpressionId, LandId } from "../domain/ids.js"
import type { EmbeddedPage } from "./embeddings/page.js"

/** A stored page's paragraphs and `hash` vectors, made by the crawl's extraction threads. */
export interface InlinePage extends EmbeddedPage {
  readonly expressionId: ExpressionId
}

// Pages handed over and not written yet. The embed job writes them as fast as the crawl stores pages; should it fall
// this far behind, further pages are dropped, and its last pass embeds them from the database instead.
const CAPACITY = 1000

/**
 * `crawl --embed` with the `hash` provider: the embed job beside a crawl of this process follows the land here, and the
 * crawl, seeing it, has its extraction threads split and embed each page, then hands the pages over once stored. The
 * crawl's main thread then neither splits nor embeds, and the embed job need not read the pages back.
 */
export class InlineEmbedding extends Effect.Service<InlineEmbedding>()("mwi/InlineEmbedding", {
  effect: Effect.sync(() => {
    const followed = new Map<LandId, Queue.Queue<InlinePage>>()

    /** The pages the land's crawls store from now on, until the scope closes. */
    const follow = (landId: LandId) =>
      Effect.acquireRelease(
        Effect.tap(Queue.dropping<InlinePage>(CAPACITY), (queue) => Effect.sync(() => followed.set(landId, queue))),
        // (Another embed job may follow the land by then: its queue stays.)
        (queue) => Effect.zipRight(Effect.sync(() => followed.get(landId) === queue && followed.delete(landId)), Queue.shutdown(queue))
      ).pipe(Effect.map((queue): Queue.Dequeue<InlinePage> => queue))

    /** Whether a crawl of the land should embed its pages on the extraction threads. */
    const isFollowed = (landId: LandId) => Effect.sync(() => followed.has(landId))

    /** Pages the crawl has just stored (those without paragraphs made are left to the embed job's last pass). */
    const stored = (landId: LandId, pages: ReadonlyArray<{ readonly expressionId: ExpressionId; readonly embedded?: EmbeddedPage | null }>) =>
      Effect.suspend(() => {
        const queue = followed.get(landId)
        if (queue === undefined) return Effect.void
        const inline = pages.flatMap((p) => (p.embedded == null ? [] : [{ ...p.embedded, expressionId: p.expressionId }]))
        return inline.length === 0 ? Effect.void : Queue.offerAll(queue, inline).pipe(Effect.asVoid)
      })

    return { follow, isFollowed, stored } as const
  })
}) {}
