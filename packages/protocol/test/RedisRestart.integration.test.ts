import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted, Schedule } from "effect"
import * as Messages from "../src/Messages.ts"
import { Queue } from "../src/Queue.ts"
import * as QueueNames from "../src/QueueNames.ts"
import { freePort, privateRedis } from "../../../test-support/PrivateRedis.ts"
import { eventually, randomPhone, randomPrefix } from "./Harness.ts"

describe("Queue (bullmq) across a Redis restart", () => {
  it.live("with Redis unreachable the layer still starts, and a send fails fast as Unavailable", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const layer = Queue.layerBullMq({
        redisUrl: Redacted.make(`redis://127.0.0.1:${port}`),
        prefix: randomPrefix("down"),
        redisTimeout: Duration.millis(500)
      })
      yield* Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const started = Date.now()
        const error = yield* Effect.flip(
          queue.send(
            QueueNames.updatesQueue(phone),
            Messages.UpdateMessage,
            yield* Messages.updateMessage(phone, new Messages.WorkerStarted())
          )
        )
        assert.strictEqual(error.reason, "Unavailable")
        assert.isBelow(Date.now() - started, 2_000)
        // Presence fails as fast: a worker logs a lost beat and carries on.
        const beating = Date.now()
        assert.strictEqual((yield* Effect.flip(queue.beat(phone, "Ready", Duration.seconds(15)))).reason, "Unavailable")
        assert.strictEqual((yield* Effect.flip(queue.lastBeats([phone]))).reason, "Unavailable")
        assert.isBelow(Date.now() - beating, 2_000)
      }).pipe(Effect.scoped, Effect.provide(layer))
    }), 20_000)

  it.live("consumers recover on their own and no message sent before or after is lost", () =>
    Effect.gen(function*() {
      const redis = yield* privateRedis
      const layer = Queue.layerBullMq({
        redisUrl: Redacted.make(redis.url),
        prefix: randomPrefix("restart"),
        idleTimeout: Duration.millis(500),
        sweepInterval: Duration.seconds(1),
        redisTimeout: Duration.seconds(1)
      })

      yield* Effect.gen(function*() {
        const queue = yield* Queue
        const phones = [randomPhone(), randomPhone()]
        const handled = new Set<string>()
        const set = yield* queue.consumeSet(Messages.UpdateMessage, (message) =>
          Effect.sleep("20 millis").pipe(
            Effect.andThen(Effect.sync(() => handled.add(`${message.phoneNumber}-${message.timestamp}`)))
          ))
        yield* Effect.forEach(phones, (phone) => set.add(QueueNames.updatesQueue(phone)), { discard: true })

        const send = (n: number) =>
          Effect.forEach(phones, (phone) =>
            queue.send(
              QueueNames.updatesQueue(phone),
              Messages.UpdateMessage,
              new Messages.UpdateMessage({ version: 1, phoneNumber: phone, timestamp: n, update: new Messages.WorkerStarted() })
            ).pipe(
              // While Redis is down a send fails fast; the caller retries.
              Effect.retry({ while: (error) => error.reason === "Unavailable", schedule: Schedule.spaced("100 millis") }),
              Effect.timeout("15 seconds")
            ), { discard: true })

        // Sent before the restart; with a 20 ms handler most are still waiting when Redis stops.
        yield* Effect.forEach(Array.from({ length: 40 }, (_, n) => n), send, { discard: true })
        const handledBeforeRestart = handled.size
        yield* redis.restart
        yield* Effect.forEach(Array.from({ length: 40 }, (_, n) => 40 + n), send, { discard: true })

        yield* eventually(Effect.sync(() => handled.size === 80 * phones.length), "20 seconds")
        assert.strictEqual(handled.size, 160)
        console.log(`handled before the restart: ${handledBeforeRestart} of 80; all 160 handled after it`)
        assert.isBelow(handledBeforeRestart, 80, "some messages were still queued when Redis stopped")
      }).pipe(Effect.scoped, Effect.provide(layer))
    }).pipe(Effect.scoped), 45_000)
})
