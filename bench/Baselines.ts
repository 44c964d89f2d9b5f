/**
 * The transport's own speed on this Redis, for the figures to stand beside: a Redis PING round trip, a bare
 * BullMQ add → process → reply round trip, and raw BullMQ throughput over as many queues as the pipeline uses.
 */
import * as BullMq from "bullmq"
import { Effect } from "effect"
import { Redis } from "ioredis"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { cpuMeter, deleteRedisKeys, pidsNamed, queuePrefix, redisClient, redisUrl, repositoryRoot } from "./Environment.ts"

/** What the protocol's producers set, so the baseline pays for the same bookkeeping. */
const jobOptions: BullMq.JobsOptions = { removeOnComplete: true, removeOnFail: { count: 1000 } }
const streams = { events: { maxLen: 100 } }

/** `count` sequential round trips of `roundTrip`, after `warmUp` unmeasured ones; milliseconds each. */
const timeSequential = (count: number, warmUp: number, roundTrip: () => Promise<unknown>) =>
  Effect.promise(async () => {
    for (let i = 0; i < warmUp; i++) await roundTrip()
    const samples: Array<number> = []
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      await roundTrip()
      samples.push(performance.now() - started)
    }
    return samples
  })

/** Round trips of Redis `PING` on one connection. */
export const redisPing = (count: number) =>
  Effect.scoped(Effect.gen(function*() {
    const redis = yield* redisClient("ping")
    return yield* timeSequential(count, 200, () => redis.ping())
  }))

/** A BullMQ connection that a Worker may block on (BullMQ wants `maxRetriesPerRequest: null`). */
const connection = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name })),
    (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
  )

const closing = <A extends { close: () => Promise<unknown> }>(make: () => A) =>
  Effect.acquireRelease(Effect.sync(make), (resource) => Effect.promise(() => resource.close().catch(() => undefined)))

/**
 * Bare BullMQ request and reply: a job added to a request queue, a Worker that answers it by adding a job to a
 * reply queue, and a Worker on the reply queue that completes the request. The gateway's RPC makes the same two hops.
 */
export const bullMqRoundTrip = (count: number) =>
  Effect.scoped(Effect.gen(function*() {
    const prefix = queuePrefix("rt")
    yield* Effect.addFinalizer(() => deleteRedisKeys(prefix))
    const producer = yield* connection(`${prefix}-producer`)
    const options = { connection: producer, prefix, streams, defaultJobOptions: jobOptions }
    const requests = yield* closing(() => new BullMq.Queue("requests", options))
    const replies = yield* closing(() => new BullMq.Queue("replies", options))
    const waiting = new Map<string, () => void>()
    yield* closing(() =>
      new BullMq.Worker("requests", async (job) => {
        await replies.add("reply", { id: job.data.id })
      }, { connection: producer, prefix })
    )
    yield* closing(() =>
      new BullMq.Worker("replies", async (job) => {
        waiting.get(job.data.id)?.()
      }, { connection: producer, prefix })
    )
    let next = 0
    return yield* timeSequential(count, 100, () =>
      new Promise<void>((resolve) => {
        const id = `r${next++}`
        waiting.set(id, () => (waiting.delete(id), resolve()))
        void requests.add("request", { id })
      }))
  }))

/**
 * Raw BullMQ throughput: `count` single adds spread over `queues` queues (as many in flight as queues), consumed by
 * a no-op Worker per queue (concurrency 1, as the control plane reads each account's updates) in another process.
 * Jobs per second from the first add to the last job processed, and the CPU a job cost (producer, consumer, Redis).
 */
export const bullMqThroughput = (queues: number, count: number) =>
  Effect.scoped(Effect.gen(function*() {
    const prefix = queuePrefix("raw")
    yield* Effect.addFinalizer(() => deleteRedisKeys(prefix))
    const consumer = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(process.execPath, [Path.join(repositoryRoot, "bench/NoOpConsumer.ts")], {
          env: { ...process.env, BENCH_PREFIX: prefix, BENCH_QUEUES: String(queues), BENCH_COUNT: String(count) },
          stdio: ["ignore", "pipe", "inherit"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
    )
    const lines: Array<string> = []
    const nextLine = () =>
      new Promise<string>((resolve) => {
        const take = () => {
          const line = lines.shift()
          if (line !== undefined) return resolve(line)
          consumer.stdout.once("data", take)
        }
        take()
      })
    let buffered = ""
    consumer.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const parts = buffered.split("\n")
      buffered = parts.pop() ?? ""
      lines.push(...parts)
    })
    const ready = yield* Effect.promise(nextLine)
    if (ready !== "ready") return yield* Effect.die(new Error(`the no-op consumer said ${ready}`))

    const producer = yield* connection(`${prefix}-producer`)
    const queueObjects = Array.from({ length: queues }, (_, index) =>
      new BullMq.Queue(`q${index}`, { connection: producer, prefix, streams, defaultJobOptions: jobOptions }))
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(queueObjects.map((queue) => queue.close()))))
    const cpu = cpuMeter(() => ({ producer: [process.pid], consumer: [consumer.pid ?? 0], redis: pidsNamed("redis-server") }))
    const started = performance.timeOrigin + performance.now()
    yield* Effect.promise(() =>
      Promise.all(queueObjects.map(async (queue, index) => {
        for (let job = index; job < count; job += queues) await queue.add("job", { job })
      }))
    )
    const finished = Number(yield* Effect.promise(nextLine))
    const used = cpu().used
    const cpuMsPerJob = ((used.producer ?? 0) + (used.consumer ?? 0) + (used.redis ?? 0)) * 1000 / count
    return { jobsPerSecond: count / ((finished - started) / 1000), cpuMsPerJob }
  }))

/**
 * Raw BullMQ latency at a fixed rate: `rate` single adds a second, round robin over `queues` queues, each read by a
 * no-op Worker (concurrency 1) in this process; milliseconds from the add to the Worker's call, after a second's warm-up.
 */
export const bullMqAtRate = (queues: number, rate: number, seconds: number) =>
  Effect.scoped(Effect.gen(function*() {
    const prefix = queuePrefix("hop")
    yield* Effect.addFinalizer(() => deleteRedisKeys(prefix))
    const producer = yield* connection(`${prefix}-producer`)
    const consumer = yield* connection(`${prefix}-consumer`)
    const samples: Array<number> = []
    let measuring = false
    for (let index = 0; index < queues; index++) {
      yield* closing(() =>
        new BullMq.Worker(`q${index}`, async (job) => {
          if (measuring) samples.push(performance.now() - (job.data as { readonly at: number }).at)
        }, { connection: consumer, prefix, concurrency: 1 })
      )
    }
    const queueObjects = yield* Effect.forEach(Array.from({ length: queues }), (_, index) =>
      closing(() => new BullMq.Queue(`q${index}`, { connection: producer, prefix, streams, defaultJobOptions: jobOptions })))
    const send = (count: number) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          const started = performance.now()
          let sent = 0
          const timer = setInterval(() => {
            const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000))
            for (; sent < due; sent++) void queueObjects[sent % queues]?.add("job", { at: performance.now() })
            if (sent >= count) (clearInterval(timer), resolve())
          }, 1)
        })
      )
    yield* send(rate)
    measuring = true
    yield* send(rate * seconds)
    yield* Effect.sleep("500 millis")
    return samples
  }))
