/**
 * Test helpers for the Queue suites: fresh random accounts (so concurrent runs on the shared Redis never
 * collide), the layers under test, and waiting for what a consumer received.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer, Option, Queue as Mailbox, Redacted, Schedule, Schema } from "effect"
import { Redis } from "ioredis"
import * as Crypto from "node:crypto"
import * as Messages from "../src/Messages.ts"
import { type BullMqOptions, Queue, type RetryPolicy } from "../src/Queue.ts"

export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"

/** A random phone number, so each test has queues of its own. */
export const randomPhone = (): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`9${Crypto.randomInt(1e9, 1e10 - 1)}${Crypto.randomInt(10, 99)}`)

/** A `WorkerStarted` update of `phone`, told apart by its timestamp `n`. */
export const anUpdate = (phone: PhoneNumber, n: number) =>
  new Messages.UpdateMessage({
    version: Messages.protocolVersion,
    phoneNumber: phone,
    timestamp: n,
    update: new Messages.WorkerStarted()
  })

/** A key prefix of its own per test file run, so failed jobs and streams of concurrent runs stay apart. */
export const randomPrefix = (name: string) => `vigia-test-${name}-${Crypto.randomBytes(4).toString("hex")}`

export const fastRetries = { attempts: 3, backoff: Duration.millis(20), failedJobsKept: 50 }

/** Deletes every key under `prefix` once the layers built on it are released: the shared Redis stays clean. */
export const cleanedUp = (prefix: string) =>
  Layer.effectDiscard(Effect.addFinalizer(() =>
    Effect.promise(async () => {
      const redis = new Redis(redisUrl, { connectionName: "vigia-test-cleanup" })
      const keys = await redis.keys(`${prefix}:*`)
      if (keys.length > 0) await redis.unlink(...keys)
      await redis.quit()
    })
  ))

/** The BullMQ layer on the machine's Redis under `prefix`, its keys deleted afterwards. */
export const bullMqLayer = (prefix: string, options: Omit<BullMqOptions, "redisUrl"> = {}) =>
  Queue.layerBullMq({ redisUrl: Redacted.make(redisUrl), prefix, ...options }).pipe(
    Layer.provideMerge(cleanedUp(prefix))
  )

/** Each layer under test, with the tests' fast retries and any of the policy's settings overridden. */
export const layers = {
  memory: (policy: Partial<RetryPolicy> = {}) => Queue.layerMemory({ ...fastRetries, ...policy }),
  bullmq: (policy: Partial<RetryPolicy> = {}) =>
    bullMqLayer(randomPrefix("suite"), {
      ...fastRetries,
      idleTimeout: Duration.millis(400),
      sweepInterval: Duration.seconds(2),
      ...policy
    })
} as const

/** Takes `count` items from `mailbox`, failing the test if they do not all arrive within `within`. */
export const takeN = <A>(mailbox: Mailbox.Queue<A>, count: number, within: Duration.Input = "10 seconds") =>
  Effect.forEach(Array.from({ length: count }), () => Mailbox.take(mailbox)).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () => Effect.die(new Error(`expected ${count} items within ${Duration.format(Duration.fromInputUnsafe(within))}`))
    })
  )

/** `None` when nothing arrives within `within`. */
export const nothingWithin = <A>(mailbox: Mailbox.Queue<A>, within: Duration.Input) =>
  Effect.timeoutOption(Mailbox.take(mailbox), within).pipe(Effect.map(Option.isNone))

/** Polls `check` until it holds. */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, within: Duration.Input = "10 seconds") =>
  check.pipe(
    Effect.flatMap((ok) => (ok ? Effect.void : Effect.fail("not yet" as const))),
    Effect.retry({ schedule: Schedule.spaced("25 millis") }),
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error("condition never held")) })
  )
