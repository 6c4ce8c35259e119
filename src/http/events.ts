import { HttpLayerRouter, HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Metric, Option, Schema, Stream } from "effect"
import { DatabaseError, InvalidInput, JobNotFound, LandNotFound } from "../domain/errors.js"
import type { UserId } from "../domain/ids.js"
import { isFinished, type Job, unitOf } from "../domain/job.js"
import { caller } from "./auth.js"
import { errorResponse } from "./errors.js"
import { JobRepo } from "../services/JobRepo.js"
import { LandRepo, ownerScope } from "../services/LandRepo.js"
import { websocketConnections } from "../services/Metrics.js"
import { type JobEvent, Progress } from "../services/Progress.js"

const IdParam = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())

// A finished job's rate is in its summary, named for its unit (pagesPerSecond, filesPerSecond).
const rateOf = (result: Job["result"]) => {
  const rate = result?.["pagesPerSecond"] ?? result?.["filesPerSecond"]
  return typeof rate === "number" ? rate : 0
}

const snapshotOf = (job: Job): JobEvent => ({
  type: isFinished(job.status) || job.status === "interrupted" ? "final" : "snapshot",
  jobId: job.id,
  landId: job.landId,
  kind: job.kind,
  seq: 0,
  status: job.status,
  counters: job.counters,
  perSecond: rateOf(job.result),
  unit: unitOf(job.kind),
  elapsedMs: (job.finishedAt ?? new Date()).getTime() - (job.startedAt ?? job.createdAt).getTime(),
  stage: job.stage,
  error: job.error
})

/**
 * A WebSocket of job events: first a snapshot of the current state (so a client that reconnects never misses the
 * final state), then the live events. The subscription is taken before the upgrade, so no event falls in between.
 */
const eventsRoute = (
  path: HttpLayerRouter.PathInput,
  which: (id: number) => Effect.Effect<{ readonly landId: number; readonly jobs: ReadonlyArray<Job>; readonly accept: (e: JobEvent) => boolean }, unknown, JobRepo | LandRepo>
) =>
  HttpLayerRouter.add("GET", path, (req) =>
    Effect.gen(function*() {
      const { params } = yield* HttpRouter.RouteContext
      const id = Schema.decodeUnknownOption(IdParam)(params["id"])
      if (Option.isNone(id)) return errorResponse(new InvalidInput({ field: "id", reason: "must be a positive integer" }))
      const user = yield* Effect.either(caller)
      if (user._tag === "Left") return errorResponse(user.left)
      const notFound = errorResponse(path.includes("/lands/") ? new LandNotFound({ land: id.value }) : new JobNotFound({ id: id.value }))
      // Subscribed before the state is read: an event published in between is delivered, never lost.
      const progress = yield* Progress
      const events = yield* progress.subscribe
      const target = yield* Effect.either(which(id.value))
      if (target._tag === "Left") return notFound
      const owned = yield* Effect.either((yield* LandRepo).find(target.right.landId, ownerScope(user.right.id as UserId)))
      if (owned._tag === "Left") return notFound

      const socket = yield* req.upgrade
      const write = yield* socket.writer
      yield* Metric.increment(websocketConnections)
      yield* Effect.addFinalizer(() => Metric.incrementBy(websocketConnections, -1))
      const send = (e: JobEvent) => write(JSON.stringify(e))
      // Writes wait for the socket to run, so the sender is a fiber of its own, started before runRaw.
      const snapshot = (job: Job) =>
        Effect.map(progress.latest(job.id), Option.match({
          onNone: () => snapshotOf(job),
          onSome: (live): JobEvent => ({ ...live, type: live.type === "final" ? "final" : "snapshot" })
        }))
      yield* Effect.forEach(target.right.jobs, (job) => Effect.flatMap(snapshot(job), send), { discard: true }).pipe(
        Effect.zipRight(Stream.fromQueue(events).pipe(Stream.filter(target.right.accept), Stream.runForEach(send))),
        Effect.forkScoped
      )
      yield* socket.runRaw((message) => {
        const text = typeof message === "string" ? message : new TextDecoder().decode(message)
        return text.trim() === "ping" || text.includes(`"ping"`)
          ? write(JSON.stringify({ type: "pong", at: new Date().toISOString() }))
          : Effect.void
      }).pipe(Effect.catchAll(() => Effect.void))
      return HttpServerResponse.empty()
    }).pipe(
      Effect.scoped,
      Effect.catchAll(() => Effect.succeed(errorResponse(new DatabaseError())))
    ))

export const JobEventsRoute = eventsRoute("/api/v1/jobs/:id/events", (id) =>
  Effect.map((Effect.flatMap(JobRepo, (jobs) => jobs.get(id))), (job) => ({
    landId: job.landId,
    jobs: [job],
    accept: (e: JobEvent) => e.jobId === id
  })))

export const LandEventsRoute = eventsRoute("/api/v1/lands/:id/events", (id) =>
  Effect.gen(function*() {
    const land = yield* (yield* LandRepo).find(id)
    const jobs = yield* (yield* JobRepo).listByLand(land.id, 20)
    return { landId: land.id, jobs: jobs.filter((j) => j.status === "running"), accept: (e: JobEvent) => e.landId === id }
  }))
