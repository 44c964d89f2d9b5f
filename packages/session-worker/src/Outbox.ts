/**
 * Everything the worker says to the control plane, in order: updates and responses wait
 * here while Redis is away and go out when it is back; nothing is dropped.
 */
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Duration, Effect, Layer, Queue as Mailbox, Ref, Schedule } from "effect"

export interface OutboxOptions {
  readonly phone: PhoneNumber
  /** Stamped on every update. */
  readonly containerId: string
}

type Outgoing =
  | { readonly _tag: "Update"; readonly message: Messages.UpdateMessage }
  | { readonly _tag: "Response"; readonly response: Messages.Response }

export class Outbox extends Context.Service<Outbox, {
  /** Queues an update for `user-{phone}-updates`, stamped now. */
  readonly update: (update: Messages.Update) => Effect.Effect<void>
  /** Queues a response for `user-{phone}-responses`. */
  readonly respond: (response: Messages.Response) => Effect.Effect<void>
  /** Messages queued and not yet sent. */
  readonly pending: Effect.Effect<number>
}>()("@vigia/session-worker/Outbox") {
  static readonly layer = (options: OutboxOptions): Layer.Layer<Outbox, never, Queue> =>
    Layer.effect(
      Outbox,
      Effect.gen(function*() {
        const queue = yield* Queue
        const mailbox = yield* Mailbox.unbounded<Outgoing>()
        const pending = yield* Ref.make(0)
        const wasDown = yield* Ref.make(false)

        const stamp = (update: Messages.Update) => Messages.updateMessage(options.phone, update, options.containerId)

        const deliver = (outgoing: Outgoing) =>
          outgoing._tag === "Update"
            ? queue.send(QueueNames.updatesQueue(options.phone), Messages.UpdateMessage, outgoing.message, {
              jobId: QueueNames.updateJobId(outgoing.message)
            })
            : queue.send(QueueNames.responsesQueue(options.phone), Messages.Response, outgoing.response, {
              jobId: QueueNames.responseJobId(outgoing.response.requestId)
            })

        const deliverWithRetry = (outgoing: Outgoing) =>
          deliver(outgoing).pipe(
            Effect.tapError((error) =>
              Ref.getAndSet(wasDown, true).pipe(
                Effect.flatMap((down) =>
                  down ? Effect.void : Effect.logWarning("Redis is unreachable; holding messages until it is back", error.message)
                )
              )
            ),
            Effect.retry(retrySchedule),
            Effect.andThen(
              Ref.getAndSet(wasDown, false).pipe(
                Effect.flatMap((down) => down ? Effect.logInfo("Redis is back; sending held messages") : Effect.void)
              )
            ),
            Effect.ensuring(Ref.update(pending, (n) => n - 1))
          )

        yield* Mailbox.take(mailbox).pipe(Effect.flatMap(deliverWithRetry), Effect.forever, Effect.forkScoped)

        // On the way out, what is queued (the last responses, `logged out`) still gets a few seconds to leave.
        yield* Effect.addFinalizer(() =>
          Ref.get(pending).pipe(
            Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("20 millis") }),
            Effect.timeoutOption(drainTimeout),
            Effect.flatMap(() => Ref.get(pending)),
            Effect.flatMap((left) =>
              left === 0 ? Effect.void : Effect.logWarning("stopped with messages not sent", `${left} held`)
            )
          )
        )

        const enqueue = (outgoing: Outgoing) =>
          Ref.update(pending, (n) => n + 1).pipe(Effect.andThen(Mailbox.offer(mailbox, outgoing)), Effect.asVoid)

        return Outbox.of({
          update: (update) => stamp(update).pipe(Effect.flatMap((message) => enqueue({ _tag: "Update", message }))),
          respond: (response) => enqueue({ _tag: "Response", response }),
          pending: Ref.get(pending)
        })
      })
    )
}

/** Quick at first, then every two seconds, for as long as Redis is away. */
const retrySchedule = Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("2 seconds")])

const drainTimeout = Duration.seconds(5)
