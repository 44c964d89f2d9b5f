/**
 * Wake signals: after adding a job a producer publishes on the queue's channel, and a consumer holds one
 * subscriber connection for every queue of its set, so a closed queue opens as soon as it has work.
 */
import { Duration, Effect, Redacted, Scope } from "effect"
import type { QueueName } from "../QueueNames.ts"
import { closeWithin, connect, request } from "./Redis.ts"
import type { QueueError } from "./Transport.ts"

/** The channel a producer publishes on after adding a job to `queue`; inside the queue's ACL key prefix. */
export const wakeChannel = (prefix: string, queue: QueueName) => `${prefix}:${queue}:wake`

export interface WakeSignals {
  /** Subscribes to `queue`'s signal. */
  readonly listen: (queue: QueueName) => Effect.Effect<void, QueueError>
  /** Unsubscribes from `queue`'s signal. */
  readonly ignore: (queue: QueueName) => Effect.Effect<void>
}

export interface WakeOptions {
  readonly redisUrl: Redacted.Redacted<string>
  readonly prefix: string
  readonly connectionName: string
  readonly redisTimeout: Duration.Duration
}

/**
 * A subscriber connection, closed with the scope: `onSignal` runs for each signal of a queue listened to, and
 * `onReady` each time the connection is (again) ready, since signals published while it was away are lost.
 */
export const subscribe = (
  options: WakeOptions,
  handlers: { readonly onSignal: (queue: QueueName) => void; readonly onReady: () => void }
): Effect.Effect<WakeSignals, never, Scope.Scope> =>
  Effect.gen(function*() {
    const subscriber = yield* connect(options.redisUrl, {
      connectionName: options.connectionName,
      maxRetriesPerRequest: null
    }, options.redisTimeout)
    const byChannel = new Map<string, QueueName>()
    subscriber.on("message", (channel: string) => {
      const queue = byChannel.get(channel)
      if (queue !== undefined) handlers.onSignal(queue)
    })
    subscriber.on("ready", handlers.onReady)

    const listen = (queue: QueueName) => {
      const channel = wakeChannel(options.prefix, queue)
      byChannel.set(channel, queue)
      return request(queue, options.redisTimeout, () => subscriber.subscribe(channel)).pipe(
        Effect.asVoid,
        Effect.onError(() => Effect.sync(() => byChannel.delete(channel)))
      )
    }

    const ignore = (queue: QueueName) => {
      const channel = wakeChannel(options.prefix, queue)
      byChannel.delete(channel)
      return closeWithin(options.redisTimeout, () => subscriber.unsubscribe(channel), () => undefined)
    }

    return { listen, ignore }
  })
