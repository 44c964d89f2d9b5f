/**
 * The Redis transport behind `Queue.layerBullMq`: BullMQ queues and workers over ioredis, with idle queues
 * closed and woken by a pub/sub signal or a periodic sweep (the design is described at the top of Queue.ts).
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as BullMq from "bullmq"
import { Redis, type RedisOptions } from "ioredis"
import { Clock, Duration, Effect, Exit, Redacted, Schedule, Scope, Semaphore } from "effect"
import type { JobId, QueueName } from "./QueueNames.ts"
import { kindOf } from "./QueueNames.ts"
import type { FailedJob, Processor, QueueDepth, QueueSet, RetryPolicy, Transport } from "./Transport.ts"
import { QueueError } from "./Transport.ts"

export interface BullMqOptions extends RetryPolicy {
  readonly redisUrl: Redacted.Redacted<string>
  /** BullMQ's key prefix: `{prefix}:{queue}:…`. */
  readonly prefix: string
  /** An open queue with nothing waiting, active or delayed for this long closes its Worker. */
  readonly idleTimeout: Duration.Duration
  /** How often closed queues are checked for work whose wake signal was lost. */
  readonly sweepInterval: Duration.Duration
  /** Entries kept in each queue's BullMQ events stream. */
  readonly eventsMaxLen: number
  /** Skip BullMQ's Redis version check, for an ACL user without `+info`. */
  readonly skipVersionCheck: boolean
  /** How long a send, a start-up check or a close waits for Redis: a send not acknowledged by then is `Unavailable`. */
  readonly redisTimeout: Duration.Duration
}

export const defaultBullMqOptions = {
  prefix: "bull",
  idleTimeout: Duration.seconds(30),
  sweepInterval: Duration.seconds(60),
  eventsMaxLen: 100,
  skipVersionCheck: false,
  redisTimeout: Duration.seconds(5)
} as const

const withWorkScript = `
local found = {}
for i = 1, #KEYS, 4 do
  local count = redis.call("LLEN", KEYS[i]) + redis.call("LLEN", KEYS[i + 1])
    + redis.call("ZCARD", KEYS[i + 2]) + redis.call("ZCARD", KEYS[i + 3])
  if count > 0 then found[#found + 1] = (i - 1) / 4 end
end
return found
`

const chunk = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size))

/** The channel a producer publishes on after adding a job to `queue`; inside the queue's ACL key prefix. */
export const wakeChannel = (prefix: string, queue: QueueName) => `${prefix}:${queue}:wake`

/**
 * The key holding an account's last heartbeat: inside the account's ACL key prefix, beside its queues, so a
 * worker confined to `~{prefix}:user-{phone}-*` can write it and no other account's.
 */
export const heartbeatKey = (prefix: string, phone: PhoneNumber) => `${prefix}:user-${phone}-heartbeat`

const unavailable = (queue: string, cause: unknown) =>
  new QueueError({
    reason: "Unavailable",
    queue,
    message: `Redis is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** Waits for a graceful close, but not for a Redis that is gone: after `within`, cuts the connection. */
const closeWithin = (within: Duration.Duration, graceful: () => Promise<unknown>, cut: () => unknown) =>
  Effect.promise(() => graceful().catch(cut)).pipe(
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.sync(cut) }),
    Effect.asVoid
  )

/** Fails as `Unavailable` when Redis has not answered within `within`. */
const answeredWithin = (within: Duration.Duration, queue: string) =>
  Effect.timeoutOrElse({ duration: within, orElse: () => Effect.fail(unavailable(queue, "no answer in time")) })

/**
 * An ioredis connection, closed with the scope. Reconnecting is ioredis' job; a lost connection is logged once,
 * and again once it is back (an `error` event without a listener would crash the process).
 */
const connect = (url: Redacted.Redacted<string>, options: RedisOptions, closeTimeout: Duration.Duration) =>
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

export const make = (options: BullMqOptions): Effect.Effect<Transport, QueueError, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    const run = Effect.runPromiseExitWith(context)
    const name = (role: string) => `${options.prefix}:vigia:${role}`

    // Producers fail fast when Redis is unreachable instead of buffering without bound.
    const producer = yield* connect(options.redisUrl, {
      connectionName: name("producer"),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1
    }, options.redisTimeout)
    // Shared by every Worker for its non-blocking commands; each open Worker adds one blocking connection.
    const consumerConnection = yield* connect(options.redisUrl, {
      connectionName: name("consumer"),
      maxRetriesPerRequest: null
    }, options.redisTimeout)

    // Sends fail fast, so the first ones must not race the connection; a Redis still down only warns.
    yield* Effect.callback<void>((resume) => {
      if (producer.status === "ready") return resume(Effect.void)
      const ready = () => resume(Effect.void)
      producer.once("ready", ready)
      return Effect.sync(() => void producer.off("ready", ready))
    }).pipe(
      Effect.timeoutOrElse({
        duration: options.redisTimeout,
        orElse: () => Effect.logWarning("Redis is not reachable yet: sends fail as Unavailable until it is")
      })
    )

    yield* Effect.tryPromise({
      try: () => consumerConnection.info("memory"),
      catch: (cause) => unavailable("(start-up)", cause)
    }).pipe(
      answeredWithin(options.redisTimeout, "(start-up)"),
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

    const jobOptions: BullMq.JobsOptions = {
      attempts: options.attempts,
      backoff: { type: "exponential", delay: Duration.toMillis(options.backoff) },
      removeOnComplete: true,
      removeOnFail: { count: options.failedJobsKept }
    }

    const producers = new Map<QueueName, BullMq.Queue>()
    const producerFor = (queue: QueueName) => {
      const existing = producers.get(queue)
      if (existing !== undefined) return existing
      const created = new BullMq.Queue(queue, {
        connection: producer,
        prefix: options.prefix,
        skipVersionCheck: options.skipVersionCheck,
        streams: { events: { maxLen: options.eventsMaxLen } },
        defaultJobOptions: jobOptions
      })
      created.on("error", () => {})
      producers.set(queue, created)
      return created
    }
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        Array.from(producers.values()),
        (queue) => closeWithin(options.redisTimeout, () => queue.close(), () => queue.disconnect()),
        { concurrency: "unbounded", discard: true }
      )
    )

    const add = (queue: QueueName, data: unknown, jobId: JobId | undefined) =>
      Effect.tryPromise({
        try: async () => {
          await producerFor(queue).add(kindOf(queue), data, jobId === undefined ? {} : { jobId })
          await producer.publish(wakeChannel(options.prefix, queue), "")
        },
        catch: (cause) => unavailable(queue, cause)
      }).pipe(answeredWithin(options.redisTimeout, queue))

    const failed = (queue: QueueName) =>
      Effect.tryPromise({
        try: () => producerFor(queue).getFailed(0, options.failedJobsKept - 1),
        catch: (cause) => unavailable(queue, cause)
      }).pipe(
        answeredWithin(options.redisTimeout, queue),
        Effect.map((jobs): ReadonlyArray<FailedJob> =>
          jobs.map((job) => ({ jobId: job.id ?? "", reason: job.failedReason, attemptsMade: job.attemptsMade }))
        )
      )

    const depth = (queue: QueueName) =>
      Effect.tryPromise({
        try: () => producerFor(queue).getJobCounts("waiting", "prioritized", "active", "delayed", "failed"),
        catch: (cause) => unavailable(queue, cause)
      }).pipe(
        answeredWithin(options.redisTimeout, queue),
        Effect.map((counts): QueueDepth => ({
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0
        }))
      )

    // Plain keys on the producer connection: a beat opens no queue and wakes no consumer.
    const beat = (phone: PhoneNumber, encoded: string, ttl: Duration.Duration) =>
      Effect.tryPromise({
        try: () => producer.set(heartbeatKey(options.prefix, phone), encoded, "PX", Math.max(1, Duration.toMillis(ttl))),
        catch: (cause) => unavailable("(heartbeat)", cause)
      }).pipe(answeredWithin(options.redisTimeout, "(heartbeat)"), Effect.asVoid)

    const lastBeats = (phones: ReadonlyArray<PhoneNumber>) =>
      Effect.forEach(chunk(phones, 500), (batch) =>
        Effect.tryPromise({
          try: () => producer.mget(batch.map((phone) => heartbeatKey(options.prefix, phone))),
          catch: (cause) => unavailable("(heartbeat)", cause)
        }).pipe(
          answeredWithin(options.redisTimeout, "(heartbeat)"),
          Effect.map((values) => batch.flatMap((phone, index) => {
            const value = values[index]
            return typeof value === "string" ? [[phone, value] as const] : []
          }))
        )).pipe(Effect.map((found): ReadonlyMap<PhoneNumber, string> => new Map(found.flat())))

    const consumerSets = new Set<Effect.Effect<void>>()
    yield* Effect.addFinalizer(() =>
      Effect.forEach(Array.from(consumerSets), (closeAll) => closeAll, { concurrency: "unbounded", discard: true })
    )

    const keys = new BullMq.QueueKeys(options.prefix)
    /**
     * The queues among `queues` with jobs waiting, prioritized, delayed or active (a stalled job needs a Worker
     * to recover it): one script per batch of queues, so a sweep of thousands of idle queues is a few commands.
     */
    const withWork = (queues: ReadonlyArray<QueueName>) =>
      Effect.forEach(
        chunk(queues, 250),
        (batch) =>
          Effect.tryPromise({
            try: async () => {
              const batchKeys = batch.flatMap((queue) => {
                const key = keys.getKeys(queue)
                return [key.wait!, key.active!, key.delayed!, key.prioritized!]
              })
              const indices = (await consumerConnection.eval(withWorkScript, batchKeys.length, ...batchKeys)) as Array<
                number
              >
              return indices.flatMap((index) => batch[index] ?? [])
            },
            catch: (cause) => unavailable("(sweep)", cause)
          }).pipe(answeredWithin(options.redisTimeout, "(sweep)"))
      ).pipe(Effect.map((found) => found.flat()))

    const consumer = (process: Processor, concurrency: number) =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const subscriber = yield* connect(options.redisUrl, {
          connectionName: name("wake"),
          maxRetriesPerRequest: null
        }, options.redisTimeout)

        interface Entry {
          readonly queue: QueueName
          readonly lock: Semaphore.Semaphore
          worker: BullMq.Worker | undefined
          inFlight: number
          lastActivity: number
        }
        const entries = new Map<QueueName, Entry>()
        const byChannel = new Map<string, QueueName>()

        const processJob = (entry: Entry) => (job: BullMq.Job): Promise<void> => {
          entry.inFlight += 1
          entry.lastActivity = Date.now()
          return run(process(entry.queue, job.data)).then((exit) => {
            entry.inFlight -= 1
            entry.lastActivity = Date.now()
            if (Exit.isSuccess(exit)) return
            // BullMQ reads a job's fate from the rejection: unrecoverable is parked at once, any other retried.
            const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
            const reason = failure?.reason ?? "interrupted"
            return Promise.reject(failure?.retry === false ? new BullMq.UnrecoverableError(reason) : new Error(reason))
          })
        }

        const open = (entry: Entry) =>
          Semaphore.withPermit(entry.lock, Effect.sync(() => {
            if (entry.worker !== undefined || entries.get(entry.queue) !== entry) return
            entry.lastActivity = Date.now()
            const worker = new BullMq.Worker(entry.queue, processJob(entry), {
              connection: consumerConnection,
              prefix: options.prefix,
              concurrency,
              skipVersionCheck: options.skipVersionCheck,
              removeOnComplete: { count: 0 },
              removeOnFail: { count: options.failedJobsKept }
            })
            worker.on("error", () => {})
            entry.worker = worker
          }))

        const close = (entry: Entry) =>
          Semaphore.withPermit(entry.lock, Effect.gen(function*() {
            const worker = entry.worker
            if (worker === undefined) return
            entry.worker = undefined
            yield* closeWithin(options.redisTimeout, () => worker.close(), () => worker.disconnect())
          }))

        /** Opens the queues among `candidates` that have work. */
        const wakeIfWork = (candidates: ReadonlyArray<Entry>) =>
          withWork(candidates.map((entry) => entry.queue)).pipe(
            Effect.flatMap((queues) =>
              Effect.forEach(queues, (queue) => {
                const entry = entries.get(queue)
                return entry === undefined ? Effect.void : open(entry)
              }, { discard: true })
            ),
            Effect.catch(() => Effect.void)
          )

        const closed = () => Array.from(entries.values()).filter((entry) => entry.worker === undefined)

        subscriber.on("message", (channel: string) => {
          const queue = byChannel.get(channel)
          const entry = queue === undefined ? undefined : entries.get(queue)
          if (entry !== undefined && entry.worker === undefined) void run(open(entry))
        })
        // Signals published while the subscriber was reconnecting are lost: look at every closed queue.
        subscriber.on("ready", () => void run(wakeIfWork(closed())))

        const closeIdle = Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const idle = Array.from(entries.values()).filter((entry) =>
            entry.worker !== undefined && entry.inFlight === 0 &&
            now - entry.lastActivity >= Duration.toMillis(options.idleTimeout)
          )
          if (idle.length === 0) return
          const busy = new Set(yield* withWork(idle.map((entry) => entry.queue)))
          yield* Effect.forEach(idle, (entry) =>
            busy.has(entry.queue)
              ? Effect.sync(() => void (entry.lastActivity = now))
              // A signal that raced the close found the queue open: look again once it is closed.
              : close(entry).pipe(Effect.andThen(wakeIfWork([entry]))), { discard: true })
        }).pipe(Effect.catch(() => Effect.void))

        const idleCheckEvery = Duration.millis(Math.max(50, Duration.toMillis(options.idleTimeout) / 4))
        yield* closeIdle.pipe(Effect.repeat(Schedule.spaced(idleCheckEvery)), Effect.forkIn(scope))
        yield* Effect.suspend(() => wakeIfWork(closed())).pipe(
          Effect.repeat(Schedule.spaced(options.sweepInterval)),
          Effect.forkIn(scope)
        )
        const closeAll = Effect.suspend(() =>
          Effect.forEach(Array.from(entries.values()), close, { concurrency: "unbounded", discard: true })
        )
        // Workers close before the shared connections, even when a consumer's scope outlives the layer's.
        consumerSets.add(closeAll)
        yield* Effect.addFinalizer(() => closeAll.pipe(Effect.ensuring(Effect.sync(() => consumerSets.delete(closeAll)))))

        const add = (queue: QueueName) =>
          Effect.gen(function*() {
            if (entries.has(queue)) return
            const entry: Entry = {
              queue,
              lock: Semaphore.makeUnsafe(1),
              worker: undefined,
              inFlight: 0,
              lastActivity: 0
            }
            entries.set(queue, entry)
            const channel = wakeChannel(options.prefix, queue)
            byChannel.set(channel, queue)
            yield* Effect.tryPromise({
              try: () => subscriber.subscribe(channel),
              catch: (cause) => unavailable(queue, cause)
            }).pipe(
              answeredWithin(options.redisTimeout, queue),
              Effect.onError(() => Effect.sync(() => (entries.delete(queue), byChannel.delete(channel))))
            )
            yield* wakeIfWork([entry])
          })

        const remove = (queue: QueueName) =>
          Effect.gen(function*() {
            const entry = entries.get(queue)
            if (entry === undefined) return
            entries.delete(queue)
            const channel = wakeChannel(options.prefix, queue)
            byChannel.delete(channel)
            yield* closeWithin(options.redisTimeout, () => subscriber.unsubscribe(channel), () => undefined)
            yield* close(entry)
          })

        const queues = Effect.sync((): ReadonlySet<QueueName> => new Set(entries.keys()))
        return { add, remove, queues } satisfies QueueSet
      })

    return { add, consumer, failed, depth, beat, lastBeats } satisfies Transport
  })
