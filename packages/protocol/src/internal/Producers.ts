/**
 * The sending side of the BullMQ transport: one BullMQ `Queue` per queue name on the shared producer connection.
 * It adds jobs (and publishes the queue's wake signal), reads a queue's failed jobs and depth, re-drives them, and
 * deletes a queue whole.
 */
import * as BullMq from "bullmq"
import { Duration, Effect, Scope } from "effect"
import type { Redis } from "ioredis"
import { type JobId, kindOf, type QueueName } from "../QueueNames.ts"
import { closeWithin, request } from "./Redis.ts"
import { failedRetention } from "./Retention.ts"
import type { FailedJob, QueueDepth, RetryPolicy, Transport } from "./Transport.ts"
import { wakeChannel } from "./WakeSignal.ts"

export interface ProducerOptions extends RetryPolicy {
  readonly prefix: string
  readonly skipVersionCheck: boolean
  readonly eventsMaxLen: number
  readonly redisTimeout: Duration.Duration
}

export const make = (
  redis: Redis,
  options: ProducerOptions
): Effect.Effect<Pick<Transport, "add" | "failed" | "redrive" | "depth" | "obliterate">, never, Scope.Scope> =>
  Effect.gen(function*() {
    const jobOptions: BullMq.JobsOptions = {
      attempts: options.attempts,
      backoff: { type: "exponential", delay: Duration.toMillis(options.backoff) },
      removeOnComplete: true,
      removeOnFail: failedRetention(options)
    }

    const producers = new Map<QueueName, BullMq.Queue>()
    const producerFor = (queue: QueueName) => {
      const existing = producers.get(queue)
      if (existing !== undefined) return existing
      const created = new BullMq.Queue(queue, {
        connection: redis,
        prefix: options.prefix,
        skipVersionCheck: options.skipVersionCheck,
        streams: { events: { maxLen: options.eventsMaxLen } },
        defaultJobOptions: jobOptions
      })
      created.on("error", () => {})
      producers.set(queue, created)
      return created
    }
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        Array.from(producers.values()),
        (queue) => closeWithin(options.redisTimeout, () => queue.close(), () => queue.disconnect()),
        { concurrency: "unbounded", discard: true }
      )
    )

    const add = (queue: QueueName, data: unknown, jobId: JobId | undefined) =>
      request(queue, options.redisTimeout, async () => {
        await producerFor(queue).add(kindOf(queue), data, jobId === undefined ? {} : { jobId })
        await redis.publish(wakeChannel(options.prefix, queue), "")
      })

    const failed = (queue: QueueName) =>
      request(queue, options.redisTimeout, () => producerFor(queue).getFailed(0, options.failedJobsKept - 1)).pipe(
        Effect.map((jobs): ReadonlyArray<FailedJob> =>
          jobs.map((job) => ({ jobId: job.id ?? "", reason: job.failedReason, attemptsMade: job.attemptsMade }))
        )
      )

    // Oldest first, one after the other, each to the tail of the waiting jobs; one gone meanwhile is skipped.
    const redrive = (queue: QueueName) =>
      request(queue, options.redisTimeout, async () => {
        const parked = (await producerFor(queue).getFailed(0, options.failedJobsKept - 1)).reverse()
        let count = 0
        for (const job of parked) {
          count += await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true }).then(() => 1, () => 0)
        }
        if (count > 0) await redis.publish(wakeChannel(options.prefix, queue), "")
        return count
      })

    const depth = (queue: QueueName) =>
      request(
        queue,
        options.redisTimeout,
        () => producerFor(queue).getJobCounts("waiting", "prioritized", "active", "delayed", "failed")
      ).pipe(
        Effect.map((counts): QueueDepth => ({
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0
        }))
      )

    const obliterate = (queue: QueueName) =>
      request(queue, options.redisTimeout, async () => {
        const target = producerFor(queue)
        await target.obliterate({ force: true })
        producers.delete(queue)
        await target.close()
      })

    return { add, failed, redrive, depth, obliterate }
  })
