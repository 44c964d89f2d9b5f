/**
 * The control plane's side of one account's queues, for tests that drive a worker only
 * through Redis: send a command and read its response, read the updates as they come.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Context, Deferred, Duration, Effect, Layer, Queue as Mailbox, Redacted, Ref } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import { sessionKey } from "./TestConfig.ts"

export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"

/** A queue prefix of its own per test, so its keys can be deleted afterwards without touching anyone else's. */
export const randomPrefix = () => `vigia-test-worker-${Crypto.randomBytes(4).toString("hex")}`

/** Deletes every key under `prefix` on `url` (with redis-cli, as an operator would). */
export const deleteKeys = (url: string, prefix: string) =>
  Effect.sync(() => {
    const keys = ChildProcess.execFileSync("redis-cli", ["-u", url, "--scan", "--pattern", `${prefix}:*`], {
      encoding: "utf8"
    }).split("\n").filter((key) => key !== "")
    for (let i = 0; i < keys.length; i += 500) {
      ChildProcess.execFileSync("redis-cli", ["-u", url, "unlink", ...keys.slice(i, i + 500)])
    }
  })

/** The BullMQ layer under `prefix`, quick to notice work, its keys deleted when released. */
export const queueLayer = (prefix: string, url = redisUrl) =>
  Queue.layerBullMq({
    redisUrl: Redacted.make(url),
    prefix,
    idleTimeout: Duration.seconds(5),
    sweepInterval: Duration.seconds(1),
    attempts: 1
  }).pipe(Layer.provideMerge(Layer.effectDiscard(Effect.addFinalizer(() => deleteKeys(url, prefix)))))

export class ControlSide extends Context.Service<ControlSide, {
  /** Sends `command` (stamped `age` ago, when given) and waits for its response. */
  readonly send: (command: Messages.Command, within?: Duration.Input, age?: Duration.Input) => Effect.Effect<Messages.Response>
  /** The next update of kind `tag`, skipping others (all are kept in `received`). */
  readonly next: <Tag extends Messages.Update["_tag"]>(
    tag: Tag,
    within?: Duration.Input
  ) => Effect.Effect<Extract<Messages.Update, { readonly _tag: Tag }>>
  /** Every update message received so far, oldest first. */
  readonly received: Effect.Effect<ReadonlyArray<Messages.UpdateMessage>>
}>()("test/ControlSide") {
  /** Over the `Queue` in context, for `phone`'s queues. */
  static readonly layer = (phone: PhoneNumber) =>
    Layer.effect(
      ControlSide,
      Effect.gen(function*() {
        const queue = yield* Queue
        const box = yield* SecretBox
        const waiting = yield* Ref.make(new Map<string, Deferred.Deferred<Messages.Response>>())
        const updates = yield* Mailbox.unbounded<Messages.UpdateMessage>()
        const received = yield* Ref.make<ReadonlyArray<Messages.UpdateMessage>>([])

        yield* queue.consume(QueueNames.responsesQueue(phone), Messages.Response, (response) =>
          Ref.get(waiting).pipe(
            Effect.flatMap((pending) => {
              const deferred = pending.get(response.requestId)
              return deferred === undefined ? Effect.void : Deferred.succeed(deferred, response)
            })
          ))
        yield* queue.consume(QueueNames.updatesQueue(phone), Messages.UpdateMessage, (message) =>
          Ref.update(received, (all) => [...all, message]).pipe(Effect.andThen(Mailbox.offer(updates, message))))

        const send = (command: Messages.Command, within: Duration.Input = "10 seconds", age?: Duration.Input) =>
          Effect.gen(function*() {
            const fresh = yield* Messages.commandMessage(phone, command)
            const message = age === undefined
              ? fresh
              : new Messages.CommandMessage({ ...fresh, timestamp: fresh.timestamp - Duration.toMillis(Duration.fromInputUnsafe(age)) })
            const deferred = yield* Deferred.make<Messages.Response>()
            yield* Ref.update(waiting, (pending) => new Map(pending).set(message.requestId, deferred))
            yield* queue.send(QueueNames.commandsQueue(phone), Messages.CommandMessage, message, {
              jobId: QueueNames.commandJobId(message.requestId)
            }).pipe(Effect.provideService(SecretBox, box), Effect.orDie)
            return yield* Deferred.await(deferred).pipe(
              Effect.timeoutOrElse({
                duration: within,
                orElse: () => Effect.die(new Error(`no response to ${command._tag} within ${String(within)}`))
              })
            )
          })

        const next = <Tag extends Messages.Update["_tag"]>(tag: Tag, within: Duration.Input = "10 seconds") =>
          Mailbox.take(updates).pipe(
            Effect.map((message) => message.update),
            Effect.repeat({ until: (update) => update._tag === tag }),
            Effect.map((update) => update as Extract<Messages.Update, { readonly _tag: Tag }>),
            Effect.timeoutOrElse({
              duration: within,
              orElse: () => Effect.die(new Error(`no ${tag} update within ${String(within)}`))
            })
          )

        return ControlSide.of({ send, next, received: Ref.get(received) })
      })
    ).pipe(Layer.provideMerge(SecretBox.layer(Redacted.make(sessionKey))))
}

/** The outcome of a response: its success value (encoded) or its error. */
export const outcome = (response: Messages.Response) =>
  response.result._tag === "Succeeded"
    ? { ok: true as const, value: response.result.value }
    : { ok: false as const, code: response.result.code, message: response.result.message }
