import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { Forbidden } from "../domain/account-errors.js"
import { ExpressionNotFound, InvalidInput, JobAlreadyRunning, JobNotFound, JobNotResumable } from "../domain/errors.js"
import type { LandId, UserId } from "../domain/ids.js"
import { Accounts } from "../services/Accounts.js"
import { ExpressionQueries } from "../services/ExpressionQueries.js"
import { JobRepo } from "../services/JobRepo.js"
import { scopeOf } from "../services/LandRepo.js"
import { Lands } from "../services/Lands.js"
import { MediaRepo } from "../services/MediaRepo.js"
import {
  EmbeddingBadResponse,
  EmbeddingKeyMissing,
  EmbeddingKeyRejected,
  EmbeddingRateLimited,
  EmbeddingServerError
} from "../domain/embedding-errors.js"
import type { CrawlOptions } from "../streams/crawl-options.js"
import { JobSupervisor } from "../streams/supervisor.js"
import { CurrentUser, MwiApi } from "./api.js"
import { onlyErrors, orDatabaseError } from "./errors.js"

/** The caller's land, or 404 as if it did not exist when it belongs to someone else. */
export const ownLand = (id: number) =>
  Effect.gen(function*() {
    const user = yield* CurrentUser
    return yield* (yield* Lands).find(id, scopeOf(user))
  })

/** The same with the land's counts, for the land's own representation. */
const ownLandSummary = (id: number) =>
  Effect.gen(function*() {
    const user = yield* CurrentUser
    return yield* (yield* Lands).get(id, scopeOf(user))
  })

// The peer address, not X-Forwarded-For: a header the client writes would let it dodge the per-address login limit.
const clientKey = Effect.map(HttpServerRequest.HttpServerRequest, (req) => Option.getOrElse(req.remoteAddress, () => "unknown"))

export const AuthHandlers = HttpApiBuilder.group(MwiApi, "auth", (h) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts
    return h.handle("login", ({ payload }) =>
      Effect.gen(function*() {
        const key = yield* clientKey
        return yield* accounts.login(payload.username, payload.password, { clientKey: key, tokenName: payload.tokenName })
      }).pipe(orDatabaseError))
  }))

const requireAdmin = Effect.gen(function*() {
  const user = yield* CurrentUser
  if (!user.isAdmin) return yield* new Forbidden({ action: "manage users" })
})

export const AccountHandlers = HttpApiBuilder.group(MwiApi, "account", (h) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts
    return h
      .handle("me", () => Effect.flatMap(CurrentUser, (u) => accounts.getUser(u.id)).pipe(orDatabaseError))
      .handle("listTokens", () => Effect.flatMap(CurrentUser, (u) => accounts.listTokens(u.id)).pipe(orDatabaseError))
      .handle("createToken", ({ payload }) =>
        Effect.flatMap(CurrentUser, (u) => accounts.createToken(u.id, payload.name, payload.expiresInDays)).pipe(
          Effect.map((t) => ({ token: t.token, tokenId: t.tokenId })),
          orDatabaseError
        ))
      .handle("revokeToken", ({ path }) => Effect.flatMap(CurrentUser, (u) => accounts.revokeToken(u.id, path.id)).pipe(Effect.asVoid, orDatabaseError))
      .handle("listUsers", () => Effect.zipRight(requireAdmin, accounts.listUsers().pipe(orDatabaseError)))
      .handle("createUser", ({ payload }) => Effect.zipRight(requireAdmin, accounts.createUser(payload).pipe(orDatabaseError)))
  }))

export const LandsHandlers = HttpApiBuilder.group(MwiApi, "lands", (h) =>
  Effect.gen(function*() {
    const lands = yield* Lands
    const queries = yield* ExpressionQueries
    return h
      .handle("create", ({ payload }) =>
        Effect.flatMap(CurrentUser, (u) => lands.create({ ...payload, ownerId: u.id as UserId })).pipe(orDatabaseError))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const user = yield* CurrentUser
          const query = { scope: scopeOf(user), nameContains: urlParams.name, limit: urlParams.limit ?? 50, offset: urlParams.offset ?? 0 }
          return { items: yield* lands.list(query), total: yield* lands.count(query), limit: query.limit, offset: query.offset }
        }).pipe(orDatabaseError))
      .handle("get", ({ path }) => ownLandSummary(path.id).pipe(orDatabaseError))
      .handle("update", ({ path, payload }) => Effect.flatMap(ownLand(path.id), (land) => lands.update(land, payload)).pipe(orDatabaseError))
      .handle("delete", ({ path }) => Effect.flatMap(ownLand(path.id), lands.remove).pipe(orDatabaseError))
      .handle("terms", ({ path }) => Effect.flatMap(ownLand(path.id), lands.terms).pipe(orDatabaseError))
      .handle("addTerms", ({ path, payload }) => Effect.flatMap(ownLand(path.id), (land) => lands.addTerms(land, payload.terms)).pipe(orDatabaseError))
      .handle("removeTerm", ({ path }) => Effect.flatMap(ownLand(path.id), (land) => lands.removeTerms(land, [path.term])).pipe(orDatabaseError))
      .handle("addUrls", ({ path, payload }) => Effect.flatMap(ownLand(path.id), (land) => lands.addUrls(land, payload.urls)).pipe(orDatabaseError))
      .handle("stats", ({ path }) => Effect.flatMap(ownLand(path.id), (land) => queries.stats(land.id)).pipe(orDatabaseError))
      .handle("domains", ({ path, urlParams }) => Effect.flatMap(ownLand(path.id), (land) => queries.domains(land.id, urlParams)).pipe(orDatabaseError))
      .handle("graph", ({ path, urlParams }) => Effect.flatMap(ownLand(path.id), (land) => queries.graph(land.id, urlParams)).pipe(orDatabaseError))
      .handle("expressions", ({ path, urlParams }) =>
        Effect.flatMap(ownLand(path.id), (land) => queries.list(land.id, urlParams)).pipe(orDatabaseError))
      .handle("expression", ({ path }) =>
        Effect.gen(function*() {
          yield* ownLand(yield* queries.landOf(path.id)).pipe(Effect.catchTag("LandNotFound", () => new ExpressionNotFound({ id: path.id })))
          return (yield* queries.detail(path.id)) as never
        }).pipe(orDatabaseError))
  }))

export const MediaHandlers = HttpApiBuilder.group(MwiApi, "media", (h) =>
  Effect.gen(function*() {
    const media = yield* MediaRepo
    return h
      .handle("list", ({ path, urlParams: { limit = 50, offset = 0, ...filters } }) =>
        Effect.gen(function*() {
          const land = yield* ownLand(path.id)
          if (filters.maxDistance !== undefined && filters.nearDuplicatesOf === undefined) {
            return yield* new InvalidInput({ field: "maxDistance", reason: "only applies with nearDuplicatesOf" })
          }
          const page = yield* media.list(land.id, { ...filters, limit, offset }).pipe(
            // The reference is a filter value: unknown in this land, the request is wrong, not the land missing.
            Effect.catchTag("MediaNotFound", (e) =>
              new InvalidInput({ field: "nearDuplicatesOf", reason: `no media with id ${e.id} in land ${land.id}` }))
          )
          return { ...page, limit, offset }
        }).pipe(orDatabaseError))
      .handle("get", ({ path }) => Effect.flatMap(ownLand(path.id), (land) => media.get(land.id, path.mediaId)).pipe(orDatabaseError))
  }))

const embeddingErrors = [
  EmbeddingKeyMissing,
  EmbeddingKeyRejected,
  EmbeddingRateLimited,
  EmbeddingServerError,
  EmbeddingBadResponse
] as const

export const JobsHandlers = HttpApiBuilder.group(MwiApi, "jobs", (h) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const supervisor = yield* JobSupervisor
    // A job is visible to the owner of its land only.
    const ownJob = (id: number) =>
      Effect.flatMap(jobs.get(id), (job) =>
        Effect.as(ownLand(job.landId), job).pipe(Effect.catchTag("LandNotFound", () => new JobNotFound({ id }))))
    /** Starts a job on the caller's land; 202 with its id once its row exists (or the listed errors of its start). */
    const start = <E, R, const C extends ReadonlyArray<abstract new(...args: ReadonlyArray<any>) => unknown>>(
      landId: number,
      run: (landId: LandId) => Effect.Effect<{ readonly id: number }, E, R>,
      ...errors: C
    ) =>
      Effect.flatMap(ownLand(landId), (land) => run(land.id).pipe(onlyErrors(JobAlreadyRunning, ...errors))).pipe(
        Effect.map((job) => ({ jobId: job.id })),
        orDatabaseError
      )
    const crawl = ({ path, payload }: { readonly path: { readonly id: number }; readonly payload: CrawlOptions }) =>
      start(path.id, (land) => supervisor.startCrawl(land, payload), InvalidInput, EmbeddingKeyMissing)
    return h
      .handle("crawl", crawl)
      .handle("crawlJob", crawl)
      .handle("media", ({ path, payload }) => start(path.id, (land) => supervisor.startMedia(land, payload)))
      .handle("readable", ({ path, payload }) => start(path.id, (land) => supervisor.startReadable(land, payload)))
      .handle("embed", ({ path, payload }) =>
        start(path.id, (land) => supervisor.startEmbed(land, payload), InvalidInput, ...embeddingErrors))
      .handle("landJobs", ({ path, urlParams: { limit = 50, offset = 0 } }) =>
        Effect.flatMap(ownLand(path.id), (land) =>
          Effect.all({ items: jobs.listByLand(land.id, limit, offset), total: jobs.countByLand(land.id) })).pipe(
          Effect.map((page) => ({ ...page, limit, offset })),
          orDatabaseError
        ))
      .handle("get", ({ path }) => ownJob(path.id).pipe(orDatabaseError))
      .handle("cancel", ({ path }) => Effect.zipRight(ownJob(path.id), supervisor.cancel(path.id)).pipe(orDatabaseError))
      .handle("resume", ({ path }) =>
        Effect.zipRight(ownJob(path.id), supervisor.resume(path.id).pipe(onlyErrors(JobNotFound, JobNotResumable, JobAlreadyRunning, InvalidInput))).pipe(
          Effect.map((job) => ({ jobId: job.id })),
          orDatabaseError
        ))
  }))
