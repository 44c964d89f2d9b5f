/**
 * The starts that wait for one of the manager's concurrent-start permits, in the order they came: only the first
 * in line waits on the permits, each learns its place as it changes, and one that waits past its bound leaves.
 */
import { Cause, Deferred, Duration, Effect, Fiber, Metric, Queue, Semaphore, Stream } from "effect"
import { ContainerManagerError, StartQueueTimedOut } from "./ContainerManagerError.ts"

/** Starts that had to wait in line, by how the wait ended (`admitted`, `timed-out`). */
export const queuedStarts = Metric.counter("vigia_start_queue_total", {
  description: "Starts that waited for a concurrent-start permit, by how the wait ended",
  incremental: true
})

const counted = (outcome: "admitted" | "timed-out") => Metric.update(Metric.withAttributes(queuedStarts, { outcome }), 1)

interface Ticket {
  /** Completed when the ticket is first in line. */
  readonly first: Deferred.Deferred<void>
  /** The ticket's places as they change; only the newest is kept. */
  readonly places: Queue.Queue<number, Cause.Done>
  place: number
}

export interface AdmitOptions {
  /** How long a start may wait for its turn. */
  readonly maxWait: Duration.Duration
  /** Hears the start's place in line (1: next) each time it changes, while it waits. */
  readonly onPlace: (place: number) => Effect.Effect<void>
}

/** A queue before `permits`; `inFlight` counts the starts holding one, for the timeout's report. */
export const make = (permits: Semaphore.Semaphore, inFlight: () => number) => {
  const line: Array<Ticket> = []

  /** Tells each ticket whose place changed, and the first one that its turn is next. */
  const renumber = Effect.forEach(line, (ticket, index) => {
    if (ticket.place === index + 1) return Effect.void
    ticket.place = index + 1
    return Queue.offer(ticket.places, ticket.place).pipe(
      Effect.andThen(index === 0 ? Deferred.succeed(ticket.first, undefined) : Effect.void)
    )
  }, { discard: true })

  const join = Effect.gen(function*() {
    const ticket: Ticket = { first: yield* Deferred.make<void>(), places: yield* Queue.sliding<number, Cause.Done>(1), place: 0 }
    line.push(ticket)
    yield* renumber
    return ticket
  })

  const leave = (ticket: Ticket) =>
    Effect.suspend(() => {
      const index = line.indexOf(ticket)
      if (index >= 0) line.splice(index, 1)
      return Queue.end(ticket.places).pipe(Effect.andThen(renumber))
    })

  /** Waits in line for a permit, held until the scope closes; the last place told is shown before it returns. */
  const wait = Effect.fnUntraced(function*(options: AdmitOptions) {
    const ticket = yield* Effect.acquireRelease(join, leave)
    const reporter = yield* Stream.fromQueue(ticket.places).pipe(Stream.runForEach(options.onPlace), Effect.forkScoped)
    yield* Deferred.await(ticket.first).pipe(
      Effect.andThen(permits.takeScoped(1)),
      Effect.timeoutOrElse({
        duration: options.maxWait,
        orElse: () =>
          counted("timed-out").pipe(Effect.andThen(Effect.fail(new ContainerManagerError({
            reason: new StartQueueTimedOut({
              seconds: Duration.toSeconds(options.maxWait),
              place: ticket.place,
              starting: inFlight()
            })
          }))))
      })
    )
    yield* counted("admitted")
    yield* leave(ticket)
    yield* Fiber.join(reporter)
  })

  /** Runs `effect` holding a permit: at once when one is free and nobody waits, else after those who came first. */
  const admit = <A, E, R>(effect: Effect.Effect<A, E, R>, options: AdmitOptions) =>
    Effect.scoped(Effect.gen(function*() {
      const free = line.length === 0 && (yield* Effect.uninterruptible(
        Effect.tap(permits.takeIfAvailable(1), (taken) => taken ? Effect.addFinalizer(() => permits.release(1)) : Effect.void)
      ))
      if (!free) yield* wait(options)
      return yield* effect
    }))

  return { admit, waiting: () => line.length }
}

export type StartQueue = ReturnType<typeof make>
