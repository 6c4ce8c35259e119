import { Effect, Queue } from "effect"
import type { ExpressionId, LandId } from "../domain/ids.js"
import type { EmbeddedPage } from "./embeddings/page.js"
import { VectorChanges } from "./VectorChanges.js"

/** A stored page's paragraphs and `hash` vectors, made by the crawl's extraction threads. */
export interface InlinePage extends EmbeddedPage {
  readonly expressionId: ExpressionId
}

/** Pages a crawl stored with their paragraphs and vectors, in one of its transactions. */
export interface InlineWritten {
  readonly pages: number
  readonly paragraphs: number
  /** Pages without paragraphs (too little text). */
  readonly empty: number
}

/**
 * `crawl --embed` with the `hash` provider: the embed job beside a crawl of this process follows the land here, and the
 * crawl, seeing it, has its extraction threads split and embed each page, and writes the paragraphs and vectors in the
 * transaction that stores the pages. The crawl's main thread then neither splits nor embeds, no second transaction
 * reads the pages back, and the embed job counts what the crawl wrote.
 */
export class InlineEmbedding extends Effect.Service<InlineEmbedding>()("mwi/InlineEmbedding", {
  effect: Effect.gen(function*() {
    const changes = yield* VectorChanges
    const followed = new Map<LandId, Queue.Queue<InlineWritten>>()

    /** What the land's crawls write from now on, until the scope closes. */
    const follow = (landId: LandId) =>
      Effect.acquireRelease(
        Effect.tap(Queue.unbounded<InlineWritten>(), (queue) => Effect.sync(() => followed.set(landId, queue))),
        // (Another embed job may follow the land by then: its queue stays.)
        (queue) => Effect.zipRight(Effect.sync(() => followed.get(landId) === queue && followed.delete(landId)), Queue.shutdown(queue))
      ).pipe(Effect.map((queue): Queue.Dequeue<InlineWritten> => queue))

    /** Whether a crawl of the land should embed its pages on the extraction threads. */
    const isFollowed = (landId: LandId) => Effect.sync(() => followed.has(landId))

    /** Pages whose paragraphs and vectors the crawl has just committed. */
    const written = (landId: LandId, pages: ReadonlyArray<InlinePage>) =>
      pages.length === 0 ? Effect.void : Effect.zipRight(changes.changed, Effect.suspend(() => {
        const queue = followed.get(landId)
        const paragraphs = pages.reduce((n, p) => n + p.paragraphs.length, 0)
        const empty = pages.filter((p) => p.paragraphs.length === 0).length
        return queue === undefined ? Effect.void : Queue.offer(queue, { pages: pages.length, paragraphs, empty })
      }))

    return { follow, isFollowed, written } as const
  }),
  dependencies: [VectorChanges.Default]
}) {}
