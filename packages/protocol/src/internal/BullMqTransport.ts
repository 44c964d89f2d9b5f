/**
 * The Redis transport behind `Queue.layerBullMq`: the shared connections, the producers, presence and the
 * consumer sets over them (the design is in docs/ARCHITECTURE.md, section protocol).
 */
import { Duration, Effect, type Redacted, type Scope } from "effect"
import * as Consumers from "./Consumers.ts"
import * as Presence from "./Presence.ts"
import * as Producers from "./Producers.ts"
import { awaitReady, connect, warnOnEviction } from "./Redis.ts"
import type { Processor, RetryPolicy, Transport } from "./Transport.ts"

/** How the BullMQ layer treats its queues; each has a default. */
export interface Tuning {
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

export const defaultTuning: Tuning = {
  prefix: "bull",
  idleTimeout: Duration.seconds(30),
  sweepInterval: Duration.seconds(60),
  eventsMaxLen: 100,
  skipVersionCheck: false,
  redisTimeout: Duration.seconds(5)
}

export interface Settings extends Tuning, RetryPolicy {
  readonly redisUrl: Redacted.Redacted<string>
}

export const make = (settings: Settings): Effect.Effect<Transport, never, Scope.Scope> =>
  Effect.gen(function*() {
    const name = (role: string) => `${settings.prefix}:vigia:${role}`

    // Producers fail fast when Redis is unreachable instead of buffering without bound.
    const producer = yield* connect(settings.redisUrl, {
      connectionName: name("producer"),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1
    }, settings.redisTimeout)
    // Shared by every Worker for its non-blocking commands; each open Worker adds one blocking connection.
    const consumerConnection = yield* connect(settings.redisUrl, {
      connectionName: name("consumer"),
      maxRetriesPerRequest: null
    }, settings.redisTimeout)

    // Sends fail fast, so the first ones must not race the connection.
    yield* awaitReady(producer, settings.redisTimeout)
    yield* warnOnEviction(consumerConnection, settings.redisTimeout)

    const producers = yield* Producers.make(producer, settings)
    const presence = Presence.make(producer, settings)

    // Workers close before the shared connections, even when a consumer's scope outlives the layer's.
    const consumerSets = new Set<Effect.Effect<void>>()
    yield* Effect.addFinalizer(() =>
      Effect.forEach(Array.from(consumerSets), (closeAll) => closeAll, { concurrency: "unbounded", discard: true })
    )

    const consumer = (process: Processor, concurrency: number) =>
      Effect.gen(function*() {
        const { closeAll, set } = yield* Consumers.make(
          consumerConnection,
          { ...settings, wakeConnectionName: name("wake") },
          process,
          concurrency
        )
        consumerSets.add(closeAll)
        yield* Effect.addFinalizer(() => closeAll.pipe(Effect.ensuring(Effect.sync(() => consumerSets.delete(closeAll)))))
        return set
      })

    return { ...producers, ...presence, consumer } satisfies Transport
  })
