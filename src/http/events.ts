import { HttpLayerRouter, HttpRouter, HttpServerResponse, Socket } from "@effect/platform"
import { Effect, Metric, Option, Schema, Stream } from "effect"
import { DatabaseError, JobNotFound, LandNotFound } from "../domain/errors.js"
import { isFinished, type Job, unitOf } from "../domain/job.js"
import { caller } from "./auth.js"
import { errorResponse, pathNotFound } from "./errors.js"
import { IdParam } from "./params.js"
import { JobRepo } from "../services/JobRepo.js"
import { LandRepo, scopeOf } from "../services/LandRepo.js"
import { websocketConnections } from "../services/Metrics.js"
import { type JobEvent, Progress } from "../services/Progress.js"

// A finished job's rate is in its summary, named for its unit (pagesPerSecond, filesPerSecond).
const rateOf = (result: Job["result"]) => {
  const rate = result?.["pagesPerSecond"] ?? result?.["filesPerSecond"]
  return typeof rate === "number" ? rate : 0
}

export const snapshotOf = (job: Job): JobEvent => ({
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

interface EventSource {
  readonly landId: number
  /** The jobs whose state is sent first. */
  readonly jobs: ReadonlyArray<Job>
  /** What is sent first when there is no job to snapshot (a land at rest). */
  readonly idle: Record<string, unknown> | null
  readonly accept: (e: JobEvent) => boolean
  /** Whether the socket is done once this event is sent (a job's final event). */
  readonly last: (e: JobEvent) => boolean
}

/**
 * A WebSocket of job events: first a snapshot of the current state (so a client that reconnects never misses the
 * final state), then the live events. The subscription is taken before the upgrade, so no event falls in between.
 */
const eventsRoute = (
  path: HttpLayerRouter.PathInput,
  which: (id: number) => Effect.Effect<EventSource, unknown, JobRepo | LandRepo>
) =>
  HttpLayerRouter.add("GET", path, (req) =>
    Effect.gen(function*() {
      const { params } = yield* HttpRouter.RouteContext
      const id = Schema.decodeUnknownOption(IdParam)(params["id"])
      if (Option.isNone(id)) return pathNotFound(path)
      const user = yield* Effect.either(caller)
      if (user._tag === "Left") return errorResponse(user.left)
      const notFound = errorResponse(path.includes("/lands/") ? new LandNotFound({ land: id.value }) : new JobNotFound({ id: id.value }))
      // Subscribed before the state is read: an event published in between is delivered, never lost.
      const progress = yield* Progress
      const events = yield* progress.subscribe
      const target = yield* Effect.either(which(id.value))
      if (target._tag === "Left") return notFound
      const owned = yield* Effect.either((yield* LandRepo).find(target.right.landId, scopeOf(user.right)))
      if (owned._tag === "Left") return notFound

      if (req.headers["upgrade"]?.toLowerCase() !== "websocket") {
        return HttpServerResponse.unsafeJson({
          _tag: "UpgradeRequired",
          error: "UpgradeRequired",
          message: "this route is a WebSocket: connect with Upgrade: websocket"
        }, { status: 426, headers: { upgrade: "websocket" } })
      }
      const socket = yield* req.upgrade
      const write = yield* socket.writer
      yield* Metric.increment(websocketConnections)
      yield* Effect.addFinalizer(() => Metric.incrementBy(websocketConnections, -1))
      // After a job's final event the server closes the socket (1000): a client waits for nothing more.
      const send = (e: JobEvent) =>
        Effect.zipRight(write(JSON.stringify(e)), target.right.last(e) ? write(new Socket.CloseEvent(1000, "final")) : Effect.void)
      // Writes wait for the socket to run, so the sender is a fiber of its own, started before runRaw.
      const snapshot = (job: Job) =>
        Effect.map(progress.latest(job.id), Option.match({
          onNone: () => snapshotOf(job),
          // A final event of a job the row says runs again is its previous run's (a resumed job keeps its id).
          onSome: (live): JobEvent =>
            live.type === "final" && (job.status === "running" || job.status === "queued")
              ? snapshotOf(job)
              : { ...live, type: live.type === "final" ? "final" : "snapshot" }
        }))
      const first = target.right.jobs.length === 0 && target.right.idle !== null
        ? write(JSON.stringify(target.right.idle))
        : Effect.forEach(target.right.jobs, (job) => Effect.flatMap(snapshot(job), send), { discard: true })
      yield* first.pipe(
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
    idle: null,
    accept: (e: JobEvent) => e.jobId === id,
    last: (e: JobEvent) => e.type === "final"
  })))

export const LandEventsRoute = eventsRoute("/api/v1/lands/:id/events", (id) =>
  Effect.gen(function*() {
    const land = yield* (yield* LandRepo).find(id)
    const jobs = yield* (yield* JobRepo).listByLand(land.id, 20)
    const latest = jobs[0]
    return {
      landId: land.id,
      jobs: jobs.filter((j) => j.status === "running"),
      // No job runs: the land's state at rest, with its latest job as it ended.
      idle: { type: "idle", landId: land.id, latestJob: latest === undefined ? null : { ...snapshotOf(latest), type: "snapshot" } },
      accept: (e: JobEvent) => e.landId === id,
      last: () => false
    }
  }))
