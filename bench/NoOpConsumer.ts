/**
 * The raw BullMQ baseline's consumer, run as its own process as the control plane is: a no-op Worker per queue
 * (concurrency 1); prints `ready`, then the epoch time in milliseconds at which the last expected job finished.
 * Environment: BENCH_PREFIX, BENCH_QUEUES, BENCH_COUNT, BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 */
import * as BullMq from "bullmq"
import { Redis } from "ioredis"

const prefix = process.env.BENCH_PREFIX ?? "bench"
const queues = Number(process.env.BENCH_QUEUES ?? 50)
const count = Number(process.env.BENCH_COUNT ?? 10_000)
const connection = new Redis(process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null })

let processed = 0
const workers = Array.from({ length: queues }, (_, index) =>
  new BullMq.Worker(`q${index}`, async () => {
    processed += 1
    if (processed === count) {
      process.stdout.write(`${performance.timeOrigin + performance.now()}\n`, () => process.exit(0))
    }
  }, { connection, prefix, concurrency: 1 }))

await Promise.all(workers.map((worker) => worker.waitUntilReady()))
process.stdout.write("ready\n")
