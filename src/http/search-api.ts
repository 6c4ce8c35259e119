import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import {
  EmbeddingBadResponse,
  EmbeddingKeyMissing,
  EmbeddingKeyRejected,
  EmbeddingRateLimited,
  EmbeddingServerError
} from "../domain/embedding-errors.js"
import { ExpressionNotFound, InvalidInput, JobAlreadyRunning, LandNotFound } from "../domain/errors.js"
import { LandNotEmbedded, PseudolinksRequest, SearchHit, SimilarPage } from "../domain/search.js"
import { apiError } from "./errors.js"
import { IdParam, IntParam, NumberParam } from "./params.js"

const id = HttpApiSchema.param("id", IdParam)
const Limit = IntParam(1, 500).annotations({
  description: "how many results (default 10, at most 500)"
})

const SearchHitJson = SearchHit.annotations({ identifier: "SearchHit" })
const SimilarPageJson = SimilarPage.annotations({ identifier: "SimilarPage" })

const notEmbedded = apiError(LandNotEmbedded)
const invalidInput = apiError(InvalidInput)

/** Semantic search over a land's paragraphs, pages like a page, and the pseudolinks job (authenticated in api.ts). */
export class SearchGroup extends HttpApiGroup.make("search")
  .add(HttpApiEndpoint.get("search")`/lands/${id}/search`
    .setUrlParams(Schema.Struct({
      q: Schema.String.pipe(
        Schema.minLength(1, { message: () => "must not be empty" }),
        Schema.maxLength(10_000, { message: () => "must be at most 10,000 characters" })
      ).annotations({ description: "the text to find passages like" }),
      limit: Schema.optional(Limit),
      minrel: Schema.optional(NumberParam(0).annotations({ description: "only paragraphs of pages at least this relevant" }))
    }))
    .addSuccess(Schema.Array(SearchHitJson))
    .addError(apiError(LandNotFound))
    .addError(notEmbedded)
    .addError(invalidInput)
    .addError(apiError(EmbeddingKeyMissing))
    .addError(apiError(EmbeddingKeyRejected))
    .addError(apiError(EmbeddingRateLimited))
    .addError(apiError(EmbeddingServerError))
    .addError(apiError(EmbeddingBadResponse)))
  .add(HttpApiEndpoint.get("similar")`/expressions/${id}/similar`
    .setUrlParams(Schema.Struct({ limit: Schema.optional(Limit) }))
    .addSuccess(Schema.Array(SimilarPageJson))
    .addError(apiError(ExpressionNotFound))
    .addError(notEmbedded)
    .addError(invalidInput))
  .add(HttpApiEndpoint.post("pseudolinks")`/lands/${id}/jobs/pseudolinks`
    .setPayload(PseudolinksRequest)
    .addSuccess(Schema.Struct({ jobId: Schema.Int }), { status: 202 })
    .addError(apiError(LandNotFound))
    .addError(notEmbedded)
    .addError(apiError(JobAlreadyRunning)))
  .prefix("/api/v1") {}
