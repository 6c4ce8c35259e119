import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ExpressionNotFound, InvalidInput, JobAlreadyRunning } from "../domain/errors.js"
import { LandNotEmbedded } from "../domain/search.js"
import { ExpressionQueries } from "../services/ExpressionQueries.js"
import { Pseudolinks } from "../services/Pseudolinks.js"
import { SemanticSearch } from "../services/SemanticSearch.js"
import { JobSupervisor } from "../streams/supervisor.js"
import { MwiApi } from "./api.js"
import { onlyErrors, orDatabaseError } from "./errors.js"
import { ownLand } from "./handlers.js"

export const SearchHandlers = HttpApiBuilder.group(MwiApi, "search", (h) =>
  Effect.gen(function*() {
    const search = yield* SemanticSearch
    const pseudolinks = yield* Pseudolinks
    const queries = yield* ExpressionQueries
    const supervisor = yield* JobSupervisor
    return h
      .handle("search", ({ path, urlParams }) =>
        Effect.flatMap(ownLand(path.id), (land) => search.search(land, urlParams.q, urlParams)).pipe(
          // The query is the parameter `q` here.
          Effect.catchTag("InvalidInput", (e) => new InvalidInput({ field: e.field === "query" ? "q" : e.field, reason: e.reason })),
          orDatabaseError
        ))
      .handle("similar", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const land = yield* ownLand(yield* queries.landOf(path.id)).pipe(
            Effect.catchTag("LandNotFound", () => new ExpressionNotFound({ id: path.id }))
          )
          return yield* search.similar(land, path.id, urlParams)
        }).pipe(orDatabaseError))
      .handle("pseudolinks", ({ path, payload }) =>
        Effect.gen(function*() {
          const land = yield* ownLand(path.id)
          // Checked here too: the job's own failure would come after the 202.
          yield* pseudolinks.modelOf(land)
          const job = yield* supervisor.startPseudolinks(land.id, payload).pipe(onlyErrors(JobAlreadyRunning, LandNotEmbedded))
          return { jobId: job.id }
        }).pipe(orDatabaseError))
  }))
