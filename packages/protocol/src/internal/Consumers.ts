/**
 * The receiving side of the BullMQ transport: a consumer over a changing set of queues that keeps each queue
 * closed (no Worker, no connection) until it has work, and closes its Worker again once the queue is idle.
 */
import * as BullMq from "bullmq"
import { Clock, Duration, Effect, Exit, Redacted, Schedule, Scope, Semaphore } from "effect"
import type { Redis } from "ioredis"
import type { QueueName } from "../QueueNames.ts"
import { closeWithin } from "./Redis.ts"
import { dropExpired, failedRetention } from "./Retention.ts"
import { withWork } from "./Sweep.ts"
import { type JobFailed, type JobWaits, type Processor, type QueueSet, retentionInterval, type RetryPolicy } from "./Transport.ts"
import * as WakeSignal from "./WakeSignal.ts"

export interface ConsumerOptions extends RetryPolicy {
  readonly redisUrl: Redacted.Redacted<string>
  readonly prefix: string
  readonly skipVersionCheck: boolean
  readonly idleTimeout: Duration.Duration
  readonly sweepInterval: Duration.Duration
  readonly redisTimeout: Duration.Duration
  /** The name of the consumer's wake-signal connection. */
  readonly wakeConnectionName: string
}

/** One queue of a set: its Worker while open, and what the idle check reads. */
interface Entry {
  readonly queue: QueueName
  readonly lock: Semaphore.Semaphore
  worker: BullMq.Worker | undefined
  inFlight: number
  lastActivity: number
}

/**
 * BullMQ reads a job's fate from the rejection: unrecoverable is parked at once, rate-limited goes back to the
 * head of the waiting jobs with no attempt counted (`hold` has paused the queue first), any other is retried.
 */
const fateOf = (exit: Exit.Exit<void, JobFailed | JobWaits>, hold: (waits: JobWaits) => Promise<void>): Promise<void> => {
  if (Exit.isSuccess(exit)) return Promise.resolve()
  const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
  if (failure?._tag === "JobWaits") return hold(failure).then(() => Promise.reject(BullMq.Worker.RateLimitError()))
  const reason = failure?.reason ?? "interrupted"
  return Promise.reject(failure?.retry === false ? new BullMq.UnrecoverableError(reason) : new Error(reason))
}

/** Closes `entry`'s Worker, if it has one. */
const closeWorker = (entry: Entry, within: Duration.Duration) =>
  Semaphore.withPermit(entry.lock, Effect.gen(function*() {
    const worker = entry.worker
    if (worker === undefined) return
    entry.worker = undefined
    yield* closeWithin(within, () => worker.close(), () => worker.disconnect())
  }))

/**
 * A consumer set over the shared `connection`. `closeAll` closes its Workers; it runs when the scope closes,
 * and the transport runs it before closing the shared connections.
 */
export const make = (
  connection: Redis,
  options: ConsumerOptions,
  process: Processor,
  concurrency: number
): Effect.Effect<{ readonly set: QueueSet; readonly closeAll: Effect.Effect<void> }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const run = Effect.runPromiseExitWith(yield* Effect.context<never>())
    const queuesWithWork = withWork(connection, options)
    const keys = new BullMq.QueueKeys(options.prefix)
    const entries = new Map<QueueName, Entry>()

    /**
     * Pauses the queue for the wait: BullMQ's manual rate limit (a key beside the queue's) makes the Worker take
     * nothing until it expires. With Redis itself away, the job stays active and BullMQ recovers it as stalled.
     */
    const hold = (queue: QueueName) => (waits: JobWaits) =>
      connection.set(keys.getKeys(queue).limiter!, Number.MAX_SAFE_INTEGER, "PX", Math.max(1, Duration.toMillis(waits.delay)))
        .then(() => undefined, () => undefined)

    const processJob = (entry: Entry) => (job: BullMq.Job): Promise<void> => {
      entry.inFlight += 1
      entry.lastActivity = Date.now()
      return run(process(entry.queue, job.data)).then((exit) => {
        entry.inFlight -= 1
        entry.lastActivity = Date.now()
        return fateOf(exit, hold(entry.queue))
      })
    }

    const open = (entry: Entry) =>
      Semaphore.withPermit(entry.lock, Effect.sync(() => {
        if (entry.worker !== undefined || entries.get(entry.queue) !== entry) return
        entry.lastActivity = Date.now()
        const worker = new BullMq.Worker(entry.queue, processJob(entry), {
          connection,
          prefix: options.prefix,
          concurrency,
          skipVersionCheck: options.skipVersionCheck,
          removeOnComplete: { count: 0 },
          removeOnFail: failedRetention(options)
        })
        worker.on("error", () => {})
        entry.worker = worker
      }))

    const close = (entry: Entry) => closeWorker(entry, options.redisTimeout)

    /** Opens the queues among `candidates` that have work. */
    const wakeIfWork = (candidates: ReadonlyArray<Entry>) =>
      queuesWithWork(candidates.map((entry) => entry.queue)).pipe(
        Effect.flatMap((queues) =>
          Effect.forEach(queues, (queue) => {
            const entry = entries.get(queue)
            return entry === undefined ? Effect.void : open(entry)
          }, { discard: true })
        ),
        Effect.catch(() => Effect.void)
      )

    const closed = () => Array.from(entries.values()).filter((entry) => entry.worker === undefined)

    const signals = yield* WakeSignal.subscribe({ ...options, connectionName: options.wakeConnectionName }, {
      onSignal: (queue) => {
        const entry = entries.get(queue)
        if (entry !== undefined && entry.worker === undefined) void run(open(entry))
      },
      onReady: () => void run(wakeIfWork(closed()))
    })

    const closeIdle = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const idle = Array.from(entries.values()).filter((entry) =>
        entry.worker !== undefined && entry.inFlight === 0 &&
        now - entry.lastActivity >= Duration.toMillis(options.idleTimeout)
      )
      if (idle.length === 0) return
      const busy = new Set(yield* queuesWithWork(idle.map((entry) => entry.queue)))
      yield* Effect.forEach(idle, (entry) =>
        busy.has(entry.queue)
          ? Effect.sync(() => void (entry.lastActivity = now))
          // A signal that raced the close found the queue open: look again once it is closed.
          : close(entry).pipe(Effect.andThen(wakeIfWork([entry]))), { discard: true })
    }).pipe(Effect.catch(() => Effect.void))

    const idleCheckEvery = Duration.millis(Math.max(50, Duration.toMillis(options.idleTimeout) / 4))
    yield* closeIdle.pipe(Effect.repeat(Schedule.spaced(idleCheckEvery)), Effect.forkIn(scope))
    yield* Effect.suspend(() => wakeIfWork(closed())).pipe(
      Effect.repeat(Schedule.spaced(options.sweepInterval)),
      Effect.forkIn(scope)
    )
    // Old parked jobs go even from queues where nothing fails any more (BullMQ drops them only on a failure).
    const expired = dropExpired(connection, options)
    yield* Effect.suspend(() => expired(Array.from(entries.keys()))).pipe(
      Effect.catch(() => Effect.void),
      Effect.repeat(Schedule.spaced(retentionInterval(options))),
      Effect.forkIn(scope)
    )
    const closeAll = Effect.suspend(() =>
      Effect.forEach(Array.from(entries.values()), close, { concurrency: "unbounded", discard: true })
    )

    const add = (queue: QueueName) =>
      Effect.gen(function*() {
        if (entries.has(queue)) return
        const entry: Entry = { queue, lock: Semaphore.makeUnsafe(1), worker: undefined, inFlight: 0, lastActivity: 0 }
        entries.set(queue, entry)
        yield* signals.listen(queue).pipe(Effect.onError(() => Effect.sync(() => entries.delete(queue))))
        yield* wakeIfWork([entry])
      })

    const remove = (queue: QueueName) =>
      Effect.gen(function*() {
        const entry = entries.get(queue)
        if (entry === undefined) return
        entries.delete(queue)
        yield* signals.ignore(queue)
        yield* close(entry)
      })

    const queues = Effect.sync((): ReadonlySet<QueueName> => new Set(entries.keys()))
    return { set: { add, remove, queues }, closeAll }
  })
