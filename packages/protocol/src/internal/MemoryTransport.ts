/**
 * The in-process transport behind `Queue.layerMemory`: for tests and for the single-process mode with no Redis.
 * Same contract as BullMQ: job-id deduplication, retries with exponential backoff, failed jobs parked, bounded.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Duration, Effect, Fiber, Queue, Scope, Semaphore } from "effect"
import type { JobId, QueueName } from "../QueueNames.ts"
import type { FailedJob, Processor, QueueSet, RetryPolicy, Transport } from "./Transport.ts"
import { backoffDelay } from "./Transport.ts"

interface Job {
  readonly id: string | undefined
  readonly data: unknown
  readonly attemptsMade: number
}

interface Channel {
  readonly waiting: Queue.Queue<Job>
  /** Ids of jobs waiting, active, delayed or parked: BullMQ ignores an add with one of them. */
  readonly ids: Set<string>
  readonly failed: Array<FailedJob & { readonly id: string | undefined }>
  /** Jobs being handled, and jobs waiting out a retry's backoff. */
  active: number
  delayed: number
}

export const make = (policy: RetryPolicy): Effect.Effect<Transport, never, Scope.Scope> =>
  Effect.gen(function*() {
    const layerScope = yield* Effect.scope
    const channels = new Map<QueueName, Channel>()

    const creating = yield* Semaphore.make(1)
    const channel = (queue: QueueName) =>
      Semaphore.withPermit(
        creating,
        Effect.gen(function*() {
          const existing = channels.get(queue)
          if (existing !== undefined) return existing
          const created: Channel = { waiting: yield* Queue.unbounded<Job>(), ids: new Set(), failed: [], active: 0, delayed: 0 }
          channels.set(queue, created)
          return created
        })
      )

    const add = (queue: QueueName, data: unknown, jobId: JobId | undefined) =>
      Effect.gen(function*() {
        const target = yield* channel(queue)
        if (jobId !== undefined) {
          if (target.ids.has(jobId)) return
          target.ids.add(jobId)
        }
        yield* Queue.offer(target.waiting, { id: jobId, data, attemptsMade: 0 })
      })

    const park = (target: Channel, job: Job, reason: string) => {
      target.failed.unshift({ id: job.id, jobId: job.id ?? "", reason, attemptsMade: job.attemptsMade + 1 })
      for (const dropped of target.failed.splice(policy.failedJobsKept)) {
        if (dropped.id !== undefined) target.ids.delete(dropped.id)
      }
    }

    const handle = (queue: QueueName, target: Channel, process: Processor, job: Job) =>
      Effect.sync(() => target.active++).pipe(
        Effect.andThen(process(queue, job.data)),
        Effect.ensuring(Effect.sync(() => target.active--)),
        Effect.matchEffect({
          onSuccess: () => Effect.sync(() => job.id !== undefined && target.ids.delete(job.id)),
          onFailure: (failure) => {
            const attemptsMade = job.attemptsMade + 1
            if (!failure.retry || attemptsMade >= policy.attempts) return Effect.sync(() => park(target, job, failure.reason))
            return Effect.sync(() => target.delayed++).pipe(
              Effect.andThen(Effect.sleep(backoffDelay(policy, attemptsMade))),
              Effect.andThen(Effect.sync(() => target.delayed--)),
              Effect.andThen(Queue.offer(target.waiting, { ...job, attemptsMade })),
              Effect.forkIn(layerScope),
              Effect.asVoid
            )
          }
        })
      )

    const consumer = (process: Processor, concurrency: number) =>
      Effect.gen(function*() {
        const running = new Map<QueueName, ReadonlyArray<Fiber.Fiber<never>>>()
        const changing = yield* Semaphore.make(1)
        const scope = yield* Effect.scope

        const add = (queue: QueueName) =>
          Semaphore.withPermit(
            changing,
            Effect.gen(function*() {
              if (running.has(queue)) return
              const target = yield* channel(queue)
              // A job taken is handled to the end: removing a queue waits for its jobs in progress.
              const loop = Queue.take(target.waiting).pipe(
                Effect.flatMap((job) => Effect.uninterruptible(handle(queue, target, process, job))),
                Effect.forever
              )
              running.set(queue, yield* Effect.forEach(Array.from({ length: concurrency }), () => Effect.forkIn(loop, scope)))
            })
          )

        const remove = (queue: QueueName) =>
          Semaphore.withPermit(
            changing,
            Effect.suspend(() => {
              const fibers = running.get(queue)
              running.delete(queue)
              return fibers === undefined ? Effect.void : Fiber.interruptAll(fibers)
            })
          )

        const queues = Effect.sync((): ReadonlySet<QueueName> => new Set(running.keys()))
        return { add, remove, queues } satisfies QueueSet
      })

    const failed = (queue: QueueName) =>
      Effect.sync((): ReadonlyArray<FailedJob> =>
        (channels.get(queue)?.failed ?? []).map(({ jobId, reason, attemptsMade }) => ({ jobId, reason, attemptsMade }))
      )

    const depth = (queue: QueueName) =>
      Effect.suspend(() => {
        const target = channels.get(queue)
        if (target === undefined) return Effect.succeed({ waiting: 0, active: 0, delayed: 0, failed: 0 })
        return Effect.map(Queue.size(target.waiting), (waiting) => ({
          waiting,
          active: target.active,
          delayed: target.delayed,
          failed: target.failed.length
        }))
      })

    const beats = new Map<PhoneNumber, { readonly encoded: string; readonly expiresAt: number }>()

    const beat = (phone: PhoneNumber, encoded: string, ttl: Duration.Duration) =>
      Effect.map(Clock.currentTimeMillis, (now) => void beats.set(phone, { encoded, expiresAt: now + Duration.toMillis(ttl) }))

    const lastBeats = (phones: ReadonlyArray<PhoneNumber>) =>
      Effect.map(Clock.currentTimeMillis, (now): ReadonlyMap<PhoneNumber, string> => {
        const found = new Map<PhoneNumber, string>()
        for (const phone of phones) {
          const last = beats.get(phone)
          if (last === undefined) continue
          if (last.expiresAt <= now) beats.delete(phone)
          else found.set(phone, last.encoded)
        }
        return found
      })

    return { add, consumer, failed, depth, beat, lastBeats } satisfies Transport
  })
