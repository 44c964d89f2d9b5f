import { assert, describe, it } from "@effect/vitest"
import * as BullMq from "bullmq"
import { Config, ConfigProvider, Duration, Effect, Layer, Queue as Mailbox, Redacted, Schema } from "effect"
import { Redis } from "ioredis"
import * as Messages from "../src/Messages.ts"
import { Queue } from "../src/Queue.ts"
import * as QueueNames from "../src/QueueNames.ts"
import { SecretBox } from "../src/SecretBox.ts"
import { bullMqLayer, cleanedUp, eventually, randomPhone, randomPrefix, redisUrl, takeN } from "./Harness.ts"

const accounts = 500
const prefix = randomPrefix("scale")
const sweepPrefix = randomPrefix("sweep")
const secretsPrefix = randomPrefix("secrets")
const configPrefix = randomPrefix("config")

const observe = <A>(use: (redis: Redis) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new Redis(redisUrl, { connectionName: "vigia-test-observer" })),
    (redis) => Effect.promise(() => use(redis)),
    (redis) => Effect.promise(() => redis.quit())
  )

/** The Redis clients of the scale test's Queue layer: every one is named under its own prefix. */
const ourConnections = observe((redis) => redis.client("LIST") as Promise<string>).pipe(
  Effect.map((list) => list.split("\n").filter((line) => line.includes(` name=${prefix}:`)).length)
)

/** A job's stored data, or null once the job is gone. */
const jobField = (jobKey: string) => observe((redis) => redis.hget(jobKey, "data"))

/** Everything Redis holds under `pattern` (job hashes, lists, sets, the events stream), as one string. */
const dumpKeys = (pattern: string) =>
  observe(async (redis) => {
    const contents: Array<unknown> = []
    for (const key of await redis.keys(pattern)) {
      const type = await redis.type(key)
      contents.push(
        key,
        type === "hash"
          ? await redis.hgetall(key)
          : type === "stream"
          ? await redis.xrange(key, "-", "+")
          : type === "list"
          ? await redis.lrange(key, 0, -1)
          : type === "zset"
          ? await redis.zrange(key, 0, -1)
          : type === "string"
          ? await redis.get(key)
          : type
      )
    }
    return JSON.stringify(contents)
  })

describe("Queue (bullmq): idle accounts, lost signals, secrets at rest", () => {
  it.live(`${accounts} idle accounts cost the consumer no connection each, and still wake up`, () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const handled = yield* Mailbox.unbounded<number>()
      const set = yield* queue.consumeSet(Messages.UpdateMessage, (message) =>
        Effect.flatMap(Effect.sync(() => Date.now()), (now) => Mailbox.offer(handled, now - message.timestamp)))
      const phones = Array.from({ length: accounts }, randomPhone)
      const registering = Date.now()
      yield* Effect.forEach(phones, (phone) => set.add(QueueNames.updatesQueue(phone)), {
        concurrency: 16,
        discard: true
      })
      const registered = Date.now() - registering

      const idle = yield* ourConnections
      console.log(`${accounts} accounts registered in ${registered} ms; control-side Redis connections: ${idle}`)
      assert.isAtMost(idle, 20)

      // Heartbeats are presence, not messages: every account beating opens no consumer and adds no connection.
      yield* Effect.forEach(phones, (phone) => queue.beat(phone, "Ready", Duration.seconds(15)), {
        concurrency: 16,
        discard: true
      })
      yield* Effect.sleep(Duration.millis(200))
      assert.strictEqual(yield* ourConnections, idle)
      assert.strictEqual((yield* queue.lastBeats(phones)).size, accounts)
      const ttl = yield* observe((redis) => redis.pttl(`${prefix}:user-${phones[0]}-heartbeat`))
      assert.isTrue(ttl > 0 && ttl <= 15_000, `heartbeat key ttl ${ttl}`)

      const latencies: Array<number> = []
      for (const phone of [phones[7]!, phones[accounts - 1]!, phones[250]!]) {
        const message = yield* Messages.updateMessage(phone, new Messages.WorkerStarted())
        yield* queue.send(QueueNames.updatesQueue(phone), Messages.UpdateMessage, message)
        latencies.push(...(yield* takeN(handled, 1, "5 seconds")))
      }
      const busy = yield* ourConnections
      console.log(`wake-up latency (send → handler) ms: ${latencies.join(", ")}; connections while woken: ${busy}`)
      assert.isAtMost(busy, 20)

      // Once idle again, the woken Workers close.
      yield* Effect.sleep(Duration.millis(1_500))
      const after = yield* ourConnections
      console.log(`connections after the idle timeout: ${after}`)
      assert.isAtMost(after, idle)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        bullMqLayer(prefix, { idleTimeout: Duration.millis(500), sweepInterval: Duration.seconds(10) })
      )
    ), 30_000)

  it.live("a lost wake signal only delays a message until the sweep", () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const phone = randomPhone()
      const handled = yield* Mailbox.unbounded<number>()
      yield* queue.consume(QueueNames.updatesQueue(phone), Messages.UpdateMessage, (message) =>
        Mailbox.offer(handled, message.timestamp))
      // A producer that does not signal: plain BullMQ, straight into the closed queue.
      const plain = yield* Effect.acquireRelease(
        Effect.sync(() => new BullMq.Queue(QueueNames.updatesQueue(phone), { connection: { url: redisUrl }, prefix: sweepPrefix })),
        (producer) => Effect.promise(() => producer.close())
      )
      const message = yield* Messages.updateMessage(phone, new Messages.WorkerStarted())
      const sentAt = Date.now()
      yield* Effect.promise(() => plain.add("updates", Schema.encodeSync(Messages.UpdateMessage)(message)))
      yield* takeN(handled, 1, "5 seconds")
      console.log(`unsignalled message handled after ${Date.now() - sentAt} ms (sweep every second)`)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        bullMqLayer(sweepPrefix, { idleTimeout: Duration.millis(500), sweepInterval: Duration.seconds(1) })
      )
    ))

  it.live("secrets sit in Redis only as ciphertext, and nothing of a handled command stays", () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const phone = randomPhone()
      const commands = QueueNames.commandsQueue(phone)
      const secret = "864209"
      const message = yield* Messages.commandMessage(phone, new Messages.SubmitCode({ code: Redacted.make(secret) }))
      yield* queue.send(commands, Messages.CommandMessage, message, { jobId: QueueNames.commandJobId(message.requestId) })

      const waiting = yield* dumpKeys(`${secretsPrefix}:${commands}:*`)
      const jobKey = `${secretsPrefix}:${commands}:${QueueNames.commandJobId(message.requestId)}`
      const ciphertext = yield* jobField(jobKey).pipe(
        Effect.map((data) => (JSON.parse(data ?? "{}") as { command?: { code?: string } }).command?.code ?? "")
      )
      assert.isAbove(ciphertext.length, 20, "the job holds the sealed code")
      assert.notInclude(waiting, secret)

      const handled = yield* Mailbox.unbounded<string>()
      yield* queue.consume(commands, Messages.CommandMessage, (received) =>
        Mailbox.offer(handled, received.command._tag === "SubmitCode" ? Redacted.value(received.command.code) : ""))
      assert.deepStrictEqual(yield* takeN(handled, 1), [secret])
      // Completed jobs are removed: neither the code nor its ciphertext stays, nor in the events stream.
      yield* eventually(Effect.map(jobField(jobKey), (data) => data === null))
      const after = yield* dumpKeys(`${secretsPrefix}:${commands}:*`)
      assert.notInclude(after, secret)
      assert.notInclude(after, ciphertext)
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(
        bullMqLayer(secretsPrefix),
        SecretBox.layer(Effect.runSync(SecretBox.generateKey))
      ))
    ))

  it.live("layerBullMqConfig takes its options from the configuration it is given", () =>
    Effect.gen(function*() {
      const layer = Queue.layerBullMqConfig({
        redisUrl: Config.Redacted("QUEUE_REDIS"),
        prefix: Config.String("QUEUE_KEYS"),
        idleTimeout: Config.Duration("QUEUE_IDLE")
      })
      const provided = (values: Record<string, string>) =>
        layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(values))))

      const missing = yield* Effect.flip(Layer.build(provided({ QUEUE_KEYS: configPrefix })))
      assert.strictEqual(missing._tag, "ConfigError")

      yield* Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const handled = yield* Mailbox.unbounded<number>()
        yield* queue.consume(QueueNames.updatesQueue(phone), Messages.UpdateMessage, (message) =>
          Mailbox.offer(handled, message.timestamp))
        const message = yield* Messages.updateMessage(phone, new Messages.WorkerStarted())
        yield* queue.send(QueueNames.updatesQueue(phone), Messages.UpdateMessage, message)
        assert.deepStrictEqual(yield* takeN(handled, 1), [message.timestamp])
        const keys = yield* observe((redis) => redis.keys(`${configPrefix}:${QueueNames.updatesQueue(phone)}:*`))
        assert.isAbove(keys.length, 0, "the queue's keys are under the configured prefix")
      }).pipe(
        Effect.scoped,
        Effect.provide(provided({ QUEUE_REDIS: redisUrl, QUEUE_KEYS: configPrefix, QUEUE_IDLE: "500 millis" }).pipe(
          Layer.provideMerge(cleanedUp(configPrefix))
        ))
      )
    }).pipe(Effect.scoped))
})
