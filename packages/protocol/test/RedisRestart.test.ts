import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted, Schedule } from "effect"
import { Redis } from "ioredis"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Messages from "../src/Messages.ts"
import { Queue } from "../src/Queue.ts"
import * as QueueNames from "../src/QueueNames.ts"
import { eventually, randomPhone, randomPrefix } from "./Harness.ts"

const freePort = Effect.promise(() =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })
)

/** A private redis-server, append-only so its data survives a restart; stopped with SHUTDOWN. */
const privateRedis = Effect.gen(function*() {
  const port = yield* freePort
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-redis-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const url = `redis://127.0.0.1:${port}`
  const ping = Effect.tryPromise(async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on("error", () => {})
    try {
      await redis.connect()
      return await redis.ping()
    } finally {
      redis.disconnect()
    }
  })
  const start = Effect.gen(function*() {
    const server = ChildProcess.spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir],
      { stdio: "ignore" }
    )
    const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()))
    yield* ping.pipe(Effect.retry(Schedule.spaced("50 millis")), Effect.timeout("5 seconds"), Effect.orDie)
    return exited
  })
  const stop = (exited: Promise<void>) =>
    Effect.tryPromise(async () => {
      const redis = new Redis(url, { maxRetriesPerRequest: 0 })
      redis.on("error", () => {})
      await redis.call("SHUTDOWN").catch(() => undefined)
      redis.disconnect()
      await exited
    }).pipe(Effect.orDie)

  let running = yield* start
  yield* Effect.addFinalizer(() => stop(running))
  const restart = Effect.gen(function*() {
    yield* stop(running)
    yield* Effect.sleep("300 millis")
    running = yield* start
  })
  return { url, restart } as const
})

describe("Queue (bullmq) across a Redis restart", () => {
  it.live("with Redis unreachable the layer still starts, and a send fails fast as Unavailable", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const layer = Queue.layerBullMqWith({
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
            yield* Messages.updateMessage(phone, new Messages.Heartbeat({ authorization: "Ready" }))
          )
        )
        assert.strictEqual(error.reason, "Unavailable")
        assert.isBelow(Date.now() - started, 2_000)
      }).pipe(Effect.scoped, Effect.provide(layer))
    }), 20_000)

  it.live("consumers recover on their own and no message sent before or after is lost", () =>
    Effect.gen(function*() {
      const redis = yield* privateRedis
      const layer = Queue.layerBullMqWith({
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
              new Messages.UpdateMessage({ version: 1, phoneNumber: phone, timestamp: n, update: new Messages.Heartbeat({ authorization: "Ready" }) })
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
