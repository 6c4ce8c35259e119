import { type Duration, Effect, Fiber, Queue, Schedule, Sink, Stream } from "effect"

/**
 * The shape every job kind shares: take work from the database → start it (through the politeness lane when it
 * makes requests) → its stages → store in batches. `In` is what is taken (a claimed URL, a media file, a stored page),
 * `Mid` what its start hands on (a fetched page, a downloaded file), `Out` what is stored.
 */
export interface PipelineSpec<In, Mid, Out, E, R> {
  /**
   * More work, or none for now. `outstanding` counts the items taken and not stored yet: a source that has nothing
   * left answers none, and the pipeline ends once nothing is outstanding.
   */
  readonly take: (outstanding: number) => Effect.Effect<ReadonlyArray<In>, E, R>
  /** Starts one item, which must `emit` exactly one result, now or later (a request waiting for its host's turn). */
  readonly start: (item: In, emit: (mid: Mid) => Effect.Effect<void>) => Effect.Effect<void, E, R>
  /** The stages after the start, up to what is stored (CPU work: extraction, analysis, scoring). */
  readonly process: (mid: Mid) => Effect.Effect<Out, E, R>
  /** Items in `process` at once. */
  readonly concurrency: number
  /** Started items whose results wait for `process`: bounds the memory they hold (response bodies). */
  readonly buffer: number
  /** Writes a batch, in one transaction. */
  readonly store: (batch: ReadonlyArray<Out>) => Effect.Effect<void, E, R>
  readonly batchSize: number
  readonly batchWindow: Duration.DurationInput
  /** Offered to when the source may have more to give before the next store (a host running out of work). */
  readonly wake?: Queue.Queue<void>
}

/**
 * Runs a pipeline until its source is dry and everything taken is stored. A batch is written when full, when its
 * window has passed, or at once when it holds every outstanding item (nothing else can arrive before the next take,
 * which may wait for this batch: the crawl's next claim needs the links it stores).
 */
export const runPipeline = <In, Mid, Out, E, R>(spec: PipelineSpec<In, Mid, Out, E, R>) =>
  Effect.gen(function*() {
    const started = yield* Queue.bounded<Mid>(Math.max(1, spec.buffer))
    const wake = spec.wake ?? (yield* Queue.sliding<void>(1))
    let outstanding = 0
    const emit = (mid: Mid) => Queue.offer(started, mid).pipe(Effect.asVoid)

    const dispatch = Effect.gen(function*() {
      for (;;) {
        const items = yield* spec.take(outstanding)
        outstanding += items.length
        for (const item of items) yield* spec.start(item, emit)
        if (items.length > 0) continue
        if (outstanding === 0) return
        yield* Queue.take(wake)
      }
    })

    const batch = Sink.fold(
      [] as ReadonlyArray<Out>,
      (outs) => outs.length < spec.batchSize && (outs.length === 0 || outs.length < outstanding),
      (outs, out: Out) => [...outs, out]
    )

    const processing = Stream.fromQueue(started).pipe(
      Stream.mapEffect(spec.process, { concurrency: spec.concurrency, unordered: true }),
      Stream.aggregateWithin(batch, Schedule.spaced(spec.batchWindow)),
      // A batch being stored is finished before a cancel takes effect: its rows and the job's counts of them go
      // together, or a resumed job would skip pages that no count has.
      Stream.mapEffect((outs) =>
        spec.store(outs).pipe(Effect.zipRight(Effect.suspend(() => {
          outstanding -= outs.length
          return Queue.offer(wake, undefined)
        })), Effect.uninterruptible)
      ),
      Stream.runDrain
    )
    const processor = yield* Effect.forkScoped(processing)
    yield* Effect.raceFirst(dispatch, Fiber.join(processor))
  }).pipe(Effect.scoped)
