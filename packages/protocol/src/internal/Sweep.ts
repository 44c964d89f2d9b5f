/**
 * Which closed queues have work: the check made when a queue joins a consumer set, after each close, and by
 * the periodic sweep that makes a lost wake signal only delay a message, never strand it.
 */
import * as BullMq from "bullmq"
import { Duration, Effect } from "effect"
import type { Redis } from "ioredis"
import type { QueueName } from "../QueueNames.ts"
import { batches, request } from "./Redis.ts"
import type { QueueError } from "./Transport.ts"

const withWorkScript = `
local found = {}
for i = 1, #KEYS, 4 do
  local count = redis.call("LLEN", KEYS[i]) + redis.call("LLEN", KEYS[i + 1])
    + redis.call("ZCARD", KEYS[i + 2]) + redis.call("ZCARD", KEYS[i + 3])
  if count > 0 then found[#found + 1] = (i - 1) / 4 end
end
return found
`

/**
 * The queues among those asked about with jobs waiting, prioritized, delayed or active (a stalled job needs a
 * Worker to recover it): one script per batch of queues, so a sweep of thousands of idle queues is a few commands.
 */
export const withWork = (
  redis: Redis,
  options: { readonly prefix: string; readonly redisTimeout: Duration.Duration }
) => {
  const keys = new BullMq.QueueKeys(options.prefix)
  return (queues: ReadonlyArray<QueueName>): Effect.Effect<ReadonlyArray<QueueName>, QueueError> =>
    Effect.forEach(batches(queues, 250), (batch) =>
      request("(sweep)", options.redisTimeout, async () => {
        const batchKeys = batch.flatMap((queue) => {
          const key = keys.getKeys(queue)
          return [key.wait!, key.active!, key.delayed!, key.prioritized!]
        })
        const indices = (await redis.eval(withWorkScript, batchKeys.length, ...batchKeys)) as Array<number>
        return indices.flatMap((index) => batch[index] ?? [])
      })).pipe(Effect.map((found) => found.flat()))
}
