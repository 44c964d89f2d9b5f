/**
 * The per-account queues: in Redis through BullMQ when `REDIS_URL` is set, else in memory (the single-process
 * mode, whose workers run as fibers in this process); failed jobs treated alike in both.
 */
import { Queue } from "@vigia/protocol/Queue"
import { Config, Effect, Layer, Option } from "effect"
import * as QueueConfig from "../config/QueueConfig.ts"

export const layer = Layer.unwrap(Effect.gen(function*() {
  const redisUrl = yield* QueueConfig.redisUrl
  const failures = yield* Config.unwrap(QueueConfig.failures)
  if (Option.isNone(redisUrl)) return Queue.layerMemory(failures)
  return Queue.layerBullMq({ redisUrl: redisUrl.value, ...(yield* Config.unwrap(QueueConfig.bullMq)), ...failures })
}))
