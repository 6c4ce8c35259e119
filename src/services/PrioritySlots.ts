import { Effect } from "effect"

/**
 * A job's bound on requests in flight, like a semaphore of one permit per slot, but a freed slot goes to the waiter of
 * highest priority (ties in arrival order), and the bound can move while the job runs (`--concurrency auto`).
 */
export interface PrioritySlots {
  /** Waits for a slot; among waiters, the highest `priority` is served first. */
  readonly take: (priority: number) => Effect.Effect<void>
  readonly release: Effect.Effect<void>
  /** Sets the bound; slots in use above a lowered bound are not taken back, only not given again. */
  readonly resize: (limit: number) => void
  readonly limit: () => number
  readonly inUse: () => number
  readonly waiting: () => number
}

interface Waiter {
  readonly priority: number
  readonly resume: (granted: Effect.Effect<void>) => void
}

export const makePrioritySlots = (initial: number): PrioritySlots => {
  let limit = Math.max(1, initial)
  let inUse = 0
  const waiters: Array<Waiter> = []

  const grant = () => {
    while (inUse < limit && waiters.length > 0) {
      let best = 0
      for (let i = 1; i < waiters.length; i++) if (waiters[i]!.priority > waiters[best]!.priority) best = i
      const [waiter] = waiters.splice(best, 1)
      inUse++
      waiter!.resume(Effect.void)
    }
  }

  return {
    take: (priority) =>
      Effect.async<void>((resume) => {
        if (inUse < limit && waiters.length === 0) {
          inUse++
          return resume(Effect.void)
        }
        const waiter: Waiter = { priority, resume }
        waiters.push(waiter)
        // An interrupted waiter leaves the line; one already served has its slot, as with a semaphore's take.
        return Effect.sync(() => {
          const at = waiters.indexOf(waiter)
          if (at >= 0) waiters.splice(at, 1)
        })
      }),
    release: Effect.sync(() => {
      inUse--
      grant()
    }),
    resize: (n) => {
      limit = Math.max(1, Math.round(n))
      grant()
    },
    limit: () => limit,
    inUse: () => inUse,
    waiting: () => waiters.length
  }
}
