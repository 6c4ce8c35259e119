import { Console, Effect, Queue, Ref } from "effect"
import { type JobKind, tallyOf } from "../domain/job.js"
import { nonNegativeInt } from "../services/config.js"
import { type JobEvent, Progress } from "../services/Progress.js"
import { CliProcess } from "./terminal.js"

/** Where a piece of work stands, as the progress display shows it. */
export interface ProgressSnapshot {
  /** The land's name. */
  readonly land: string
  /** What runs: crawl, readable, media, embed, pseudolinks, export. */
  readonly kind: string
  /** Items finished (done, failed or skipped), or bytes for an export. */
  readonly done: number
  /** Items known in all; null when unknown. */
  readonly total: number | null
  /** What the items are: pages, files, paragraphs, bytes. */
  readonly unit: string
  readonly perSecond: number
  readonly elapsedMs: number
  readonly failed: number
  /** What the work is doing now (a job's stage: "fetching", "archive unreachable: …"). */
  readonly stage: string | null
}

const BAR_WIDTH = 20
const REDRAW_MS = 200

const pad = (n: number) => String(n).padStart(2, "0")

/** A duration as m:ss, or h:mm:ss. */
const clock = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor(s / 60) % 60
  return `${h > 0 ? `${h}:${pad(m)}` : m}:${pad(s % 60)}`
}

const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 ** 2).toFixed(1)} MB`

const amount = (s: ProgressSnapshot, n: number) => s.unit === "bytes" ? bytes(n) : String(n)

const rate = (s: ProgressSnapshot) =>
  s.unit === "bytes" ? `${bytes(s.perSecond)}/s` : `${s.perSecond.toFixed(s.perSecond < 10 ? 1 : 0)} ${s.unit}/s`

const fraction = (s: ProgressSnapshot) => s.total === null ? null : s.total === 0 ? 1 : Math.min(1, s.done / s.total)

/** The time left at the current rate, when the total is known and work moves. */
const eta = (s: ProgressSnapshot) =>
  s.total === null || s.perSecond <= 0 ? null : ((s.total - s.done) / s.perSecond) * 1000

/** The parts both renderings share: "45/120 pages", "38%", "3.2 pages/s", "ETA 0:23", "2 failed", the stage. */
const parts = (s: ProgressSnapshot) => {
  const f = fraction(s)
  const left = eta(s)
  return {
    count: s.total === null ? `${amount(s, s.done)}${s.unit === "bytes" ? "" : ` ${s.unit}`}` : `${amount(s, s.done)}/${amount(s, s.total)} ${s.unit}`,
    percent: f === null ? null : `${Math.floor(f * 100)}%`,
    rate: rate(s),
    time: left === null ? clock(s.elapsedMs) : `ETA ${clock(left)}`,
    failed: s.failed > 0 ? `${s.failed} failed` : null,
    stage: s.stage
  }
}

/** The terminal's line for one piece of work: `demo crawl [████░░░░] 45/120 pages 38% · 3.2 pages/s · ETA 0:23`. */
export const renderBar = (s: ProgressSnapshot): string => {
  const f = fraction(s)
  const p = parts(s)
  const filled = f === null ? 0 : Math.round(f * BAR_WIDTH)
  const bar = f === null ? "" : ` [${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}]`
  return [`${s.land} ${s.kind}${bar} ${p.count}${p.percent === null ? "" : ` ${p.percent}`}`, p.rate, p.time, p.failed, p.stage]
    .filter((x) => x !== null).join(" · ")
}

/** The terminal's single line for everything that runs, cut to its width. */
export const renderTerminalLine = (snapshots: ReadonlyArray<ProgressSnapshot>, columns: number): string => {
  const line = snapshots.map(renderBar).join("  |  ")
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 2)) + "…"
}

/** A line of a log (standard error not a terminal): `mwi: demo: crawl 45/120 pages (38%), 3.2 pages/s, ETA 0:23`. */
export const renderLine = (s: ProgressSnapshot): string => {
  const p = parts(s)
  return `mwi: ${s.land}: ${s.kind} ${p.count}${p.percent === null ? "" : ` (${p.percent})`}, ` +
    [p.rate, p.time, p.failed, p.stage].filter((x) => x !== null).join(", ")
}

/**
 * A job event as a snapshot. The total known only grows (the frontier of a crawl grows as links are found; a count
 * between two heartbeats must not make it jump back), is capped by the run's `limit`, and is what was done once the job
 * ended.
 */
export const jobSnapshot = (land: string, e: JobEvent, previous: ProgressSnapshot | undefined, limit: number | null): ProgressSnapshot => {
  const t = tallyOf(e.kind, e.counters)
  const done = t.done + t.failed + t.skipped
  const known = Math.max(previous?.total ?? 0, done + t.queued)
  const total = e.type === "final" ? done : Math.max(done, limit === null ? known : Math.min(known, limit))
  return { land, kind: e.kind, done, total, unit: e.unit, perSecond: e.perSecond, elapsedMs: e.elapsedMs, failed: t.failed, stage: e.stage }
}

/** What a command shows of its work: it sets one snapshot per piece of work, by key; null removes it. */
export interface ProgressDisplay {
  readonly set: (key: string, snapshot: ProgressSnapshot | null) => Effect.Effect<void>
}

/**
 * The progress of a command, on standard error: on a terminal, one line redrawn in place (and erased when the command
 * ends, before its summary); otherwise a plain line every `MWI_PROGRESS_MS` (default 5 s) while something changed.
 * Nothing under --json (standard error then carries JSON errors only) or with `MWI_PROGRESS_MS=0`.
 */
export const progressDisplay = (json: boolean) =>
  Effect.gen(function*() {
    const shown = new Map<string, ProgressSnapshot>()
    const changed = yield* Ref.make(false)
    const display: ProgressDisplay = {
      set: (key, snapshot) =>
        Effect.zipRight(Effect.sync(() => snapshot === null ? shown.delete(key) : shown.set(key, snapshot)), Ref.set(changed, true))
    }
    const everyMs = yield* nonNegativeInt("MWI_PROGRESS_MS", 5000)
    if (json || everyMs === 0) return display
    const proc = yield* CliProcess
    const terminal = proc.stderrIsTTY
    const draw = terminal
      ? Effect.sync(() => proc.writeStderr(`\r\x1b[K${renderTerminalLine([...shown.values()], proc.stderrColumns)}`))
      : Effect.suspend(() => Effect.forEach([...shown.values()], (s) => Console.error(renderLine(s)), { discard: true }))
    yield* Effect.gen(function*() {
      yield* Effect.sleep(terminal ? REDRAW_MS : everyMs)
      if (shown.size > 0 && (yield* Ref.getAndSet(changed, false))) yield* draw
    }).pipe(Effect.forever, Effect.forkScoped)
    // The line is erased before the command prints its result; a log keeps its lines.
    if (terminal) yield* Effect.addFinalizer(() => Effect.sync(() => proc.writeStderr("\r\x1b[K")))
    return display
  })

/**
 * Shows the jobs of a land as they run (a crawl, and the media analysis or embedding it starts), each until its final
 * event; `limits` are the runs' limits on items (`--limit`), by job kind.
 */
export const followJobs = (
  land: { readonly id: number; readonly name: string },
  json: boolean,
  limits: Partial<Record<JobKind, number | null>> = {}
) =>
  Effect.gen(function*() {
    const display = yield* progressDisplay(json)
    const events = yield* (yield* Progress).subscribe
    const last = new Map<number, ProgressSnapshot>()
    yield* Effect.gen(function*() {
      const e = yield* Queue.take(events)
      if (e.landId !== land.id) return
      const snapshot = jobSnapshot(land.name, e, last.get(e.jobId), limits[e.kind] ?? null)
      last.set(e.jobId, snapshot)
      yield* display.set(`job ${e.jobId}`, e.type === "final" ? null : snapshot)
    }).pipe(Effect.forever, Effect.forkScoped)
    return display
  })
