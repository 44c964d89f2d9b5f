/**
 * The in-process transport behind `Queue.layerMemory`: for tests and for the single-process mode with no Redis.
 * Same contract as BullMQ: job-id deduplication, retries with exponential backoff, transient waits that keep a
 * job's place, failed jobs parked (bounded in number and age) and re-driven.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Duration, Effect, Fiber, Queue, Schedule, Scope, Semaphore } from "effect"
import type { JobId, QueueName } from "../QueueNames.ts"
import type { FailedJob, JobWaits, Processor, QueueSet, RetryPolicy, Transport } from "./Transport.ts"
import { backoffDelay, retentionInterval } from "./Transport.ts"

interface Job {
  readonly id: string | undefined
  readonly data: unknown
  readonly attemptsMade: number
}

interface Parked extends FailedJob {
  readonly job: Job
  readonly at: number
}

interface Channel {
  readonly waiting: Queue.Queue<Job>
  /** Jobs handed back after a transient failure: taken before `waiting`. */
  readonly front: Array<Job>
  /** Ids of jobs waiting, active, delayed or parked: BullMQ ignores an add with one of them. */
  readonly ids: Set<string>
  /** Newest first. */
  failed: Array<Parked>
  /** Jobs being handled, and jobs waiting out a retry's backoff. */
  active: number
  delayed: number
  /** After a transient failure the channel's consumers take nothing before this time. */
  resumeAt: number
}

/** Drops the parked jobs beyond the count kept or older than the age kept, as BullMQ's `removeOnFail`. */
const prune = (policy: RetryPolicy, target: Channel, now: number) => {
  const oldest = now - Duration.toMillis(policy.failedJobsMaxAge)
  const kept = target.failed.slice(0, policy.failedJobsKept).filter((parked) => parked.at > oldest)
  for (const dropped of target.failed) {
    if (!kept.includes(dropped) && dropped.job.id !== undefined) target.ids.delete(dropped.job.id)
  }
  target.failed = kept
}

const park = (policy: RetryPolicy, target: Channel, job: Job, reason: string) =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    target.failed.unshift({ job, jobId: job.id ?? "", reason, attemptsMade: job.attemptsMade + 1, at: now })
    prune(policy, target, now)
  })

/** A transient failure: the job keeps its place, and the channel waits. */
const holdBack = (target: Channel, job: Job, waits: JobWaits) =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    target.front.unshift(job)
    target.resumeAt = Math.max(target.resumeAt, now + Duration.toMillis(waits.delay))
  })

/** Handles one job to its fate: done, held back, parked, or offered again after its retry's backoff. */
const handleJob = (policy: RetryPolicy, layerScope: Scope.Scope) =>
(queue: QueueName, target: Channel, process: Processor, job: Job) =>
  Effect.sync(() => target.active++).pipe(
    Effect.andThen(process(queue, job.data)),
    Effect.ensuring(Effect.sync(() => target.active--)),
    Effect.matchEffect({
      onSuccess: () => Effect.sync(() => job.id !== undefined && target.ids.delete(job.id)),
      onFailure: (failure) => {
        if (failure._tag === "JobWaits") return holdBack(target, job, failure)
        const attemptsMade = job.attemptsMade + 1
        if (!failure.retry || attemptsMade >= policy.attempts) return park(policy, target, job, failure.reason)
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

/** The next job of `target` for one of its consumers: once the channel's wait is over, a job held back first. */
const nextJob = (target: Channel) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (target.resumeAt > now) yield* Effect.sleep(Duration.millis(target.resumeAt - now))
    const held = target.front.shift()
    return held ?? (yield* Queue.take(target.waiting))
  })

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
          const created: Channel = {
            waiting: yield* Queue.unbounded<Job>(),
            front: [],
            ids: new Set(),
            failed: [],
            active: 0,
            delayed: 0,
            resumeAt: 0
          }
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

    const handle = handleJob(policy, layerScope)

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
              // A job taken is handled to the end: removing a queue waits for its jobs in progress, not for a wait.
              const loop = Effect.uninterruptibleMask((restore) =>
                restore(nextJob(target)).pipe(Effect.flatMap((job) => handle(queue, target, process, job)))
              ).pipe(Effect.forever)
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

    const redrive = (queue: QueueName) =>
      Effect.gen(function*() {
        const target = channels.get(queue)
        if (target === undefined) return 0
        const parked = target.failed.reverse()
        target.failed = []
        yield* Effect.forEach(parked, ({ job }) => Queue.offer(target.waiting, { ...job, attemptsMade: 0 }), { discard: true })
        return parked.length
      })

    // Parked jobs go once they are too old even when nothing else fails in their queue.
    yield* Effect.forkIn(
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => channels.forEach((target) => prune(policy, target, now))),
        Effect.repeat(Schedule.spaced(retentionInterval(policy)))
      ),
      layerScope
    )

    const depth = (queue: QueueName) =>
      Effect.suspend(() => {
        const target = channels.get(queue)
        if (target === undefined) return Effect.succeed({ waiting: 0, active: 0, delayed: 0, failed: 0 })
        return Effect.map(Queue.size(target.waiting), (waiting) => ({
          waiting: waiting + target.front.length,
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

    // Emptied in place: a consumer reading the queue keeps reading the same channel, should it be used again.
    const obliterate = (queue: QueueName) =>
      Effect.suspend(() => {
        const target = channels.get(queue)
        if (target === undefined) return Effect.void
        target.front.length = 0
        target.ids.clear()
        target.failed = []
        return Effect.asVoid(Queue.clear(target.waiting))
      })

    const clearBeat = (phone: PhoneNumber) => Effect.sync(() => void beats.delete(phone))

    const notes = new Map<string, string>()
    const writeNote = (owner: PhoneNumber, name: string, text: string | undefined) =>
      Effect.sync(() => void (text === undefined ? notes.delete(`${owner} ${name}`) : notes.set(`${owner} ${name}`, text)))
    const readNote = (owner: PhoneNumber, name: string) => Effect.sync(() => notes.get(`${owner} ${name}`))

    return { add, consumer, failed, redrive, depth, obliterate, beat, lastBeats, clearBeat, writeNote, readNote } satisfies Transport
  })
