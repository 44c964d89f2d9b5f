/**
 * The BullMQ transport's Redis connections: opened and closed with a scope, every wait on Redis bounded, and
 * the checks made once at start-up.
 */
import { Redis, type RedisOptions } from "ioredis"
import { Duration, Effect, Redacted } from "effect"
import { QueueError } from "./Transport.ts"

/** A request Redis did not serve: `queue` names what it was for (a queue, or `(heartbeat)`, `(sweep)`…). */
export const unavailable = (queue: string, cause: unknown) =>
  new QueueError({
    reason: "Unavailable",
    queue,
    message: `Redis is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** Waits for a graceful close, but not for a Redis that is gone: after `within`, cuts the connection. */
export const closeWithin = (within: Duration.Duration, graceful: () => Promise<unknown>, cut: () => unknown) =>
  Effect.promise(() => graceful().catch(cut)).pipe(
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.sync(cut) }),
    Effect.asVoid
  )

/** Fails as `Unavailable` when Redis has not answered within `within`. */
export const answeredWithin = (within: Duration.Duration, queue: string) =>
  Effect.timeoutOrElse({ duration: within, orElse: () => Effect.fail(unavailable(queue, "no answer in time")) })

/** One Redis request for `queue`: its failure, or no answer within `within`, is `Unavailable`. */
export const request = <A>(queue: string, within: Duration.Duration, send: () => Promise<A>) =>
  Effect.tryPromise({ try: send, catch: (cause) => unavailable(queue, cause) }).pipe(answeredWithin(within, queue))

/** `items` in batches of at most `size`: a few commands for thousands of keys, none of them too long. */
export const batches = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size))

/**
 * An ioredis connection, closed with the scope. Reconnecting is ioredis' job; a lost connection is logged once,
 * and again once it is back (an `error` event without a listener would crash the process).
 */
export const connect = (url: Redacted.Redacted<string>, options: RedisOptions, closeTimeout: Duration.Duration) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const log = Effect.runForkWith(yield* Effect.context<never>())
      const redis = new Redis(Redacted.value(url), options)
      let lost = false
      redis.on("error", (error: Error) => {
        if (lost) return
        lost = true
        log(Effect.logWarning(`Redis connection ${options.connectionName} lost: ${error.message}`))
      })
      redis.on("ready", () => {
        if (!lost) return
        lost = false
        log(Effect.logInfo(`Redis connection ${options.connectionName} restored`))
      })
      return redis
    }),
    (redis) =>
      redis.status === "ready"
        ? closeWithin(closeTimeout, () => redis.quit(), () => redis.disconnect())
        : Effect.sync(() => redis.disconnect())
  )

/** Waits until `redis` is connected, at most `within`: a Redis still down only warns. */
export const awaitReady = (redis: Redis, within: Duration.Duration) =>
  Effect.callback<void>((resume) => {
    if (redis.status === "ready") return resume(Effect.void)
    const ready = () => resume(Effect.void)
    redis.once("ready", ready)
    return Effect.sync(() => void redis.off("ready", ready))
  }).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () => Effect.logWarning("Redis is not reachable yet: sends fail as Unavailable until it is")
    })
  )

/** Warns when Redis may evict keys under memory pressure: queued jobs would be lost. */
export const warnOnEviction = (redis: Redis, within: Duration.Duration) =>
  request("(start-up)", within, () => redis.info("memory")).pipe(
    Effect.flatMap((info) => {
      const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1]
      return policy === undefined || policy === "noeviction"
        ? Effect.void
        : Effect.logWarning(
          `Redis maxmemory-policy is ${policy}: under memory pressure Redis may evict queued jobs; set it to noeviction`
        )
    }),
    Effect.catch((error) => Effect.logWarning(`could not read Redis' maxmemory-policy: ${error.message}`))
  )
