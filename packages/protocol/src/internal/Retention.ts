/**
 * How long BullMQ keeps failed jobs: at most `failedJobsKept` per queue, none older than `failedJobsMaxAge`.
 * BullMQ applies both when a job fails; the periodic check here drops old ones from queues where nothing fails.
 */
import * as BullMq from "bullmq"
import { Duration, Effect } from "effect"
import type { Redis } from "ioredis"
import type { QueueName } from "../QueueNames.ts"
import { batches, request } from "./Redis.ts"
import type { QueueError, RetryPolicy } from "./Transport.ts"

/** BullMQ's `removeOnFail` for the policy (its age is in seconds). */
export const failedRetention = (policy: RetryPolicy): BullMq.KeepJobs => ({
  age: Math.max(1, Math.floor(Duration.toSeconds(policy.failedJobsMaxAge))),
  count: policy.failedJobsKept
})

const withExpiredScript = `
local found = {}
for i = 1, #KEYS do
  if redis.call("ZCOUNT", KEYS[i], "-inf", ARGV[1]) > 0 then found[#found + 1] = i - 1 end
end
return found
`

export interface RetentionOptions extends RetryPolicy {
  readonly prefix: string
  readonly skipVersionCheck: boolean
  readonly redisTimeout: Duration.Duration
}

/**
 * Drops the failed jobs older than the policy's age from `queues`: one script per batch finds the queues that
 * hold any (BullMQ scores failed jobs by when they failed), and BullMQ's own clean removes them from those.
 */
export const dropExpired = (redis: Redis, options: RetentionOptions) => {
  const keys = new BullMq.QueueKeys(options.prefix)
  const maxAge = Duration.toMillis(options.failedJobsMaxAge)

  const clean = (queue: QueueName) =>
    request(queue, options.redisTimeout, async () => {
      const bullQueue = new BullMq.Queue(queue, { connection: redis, prefix: options.prefix, skipVersionCheck: options.skipVersionCheck })
      bullQueue.on("error", () => {})
      try {
        return (await bullQueue.clean(maxAge, options.failedJobsKept, "failed")).length
      } finally {
        await bullQueue.close()
      }
    })

  return (queues: ReadonlyArray<QueueName>): Effect.Effect<number, QueueError> =>
    Effect.forEach(batches(queues, 250), (batch) =>
      request("(retention)", options.redisTimeout, async () => {
        const failedKeys = batch.map((queue) => keys.getKeys(queue).failed!)
        const indices = (await redis.eval(withExpiredScript, failedKeys.length, ...failedKeys, Date.now() - maxAge)) as Array<number>
        return indices.flatMap((index) => batch[index] ?? [])
      })).pipe(
        Effect.flatMap((found) => Effect.forEach(found.flat(), clean)),
        Effect.map((dropped) => dropped.reduce((sum, count) => sum + count, 0))
      )
}
