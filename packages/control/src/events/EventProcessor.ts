/**
 * Reads every account's `user-{phone}-updates`, one update at a time per account, and acts on each: the messages of
 * the groups (new or edited) to the purchase handler, which records the orders in the ledger; everything about the
 * session to the session events. An update published inside a trace (an order's) continues that trace.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { hasTransientError, Queue, type QueueError } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Context, Effect, Layer, Metric, Option, Schema, Stream, Tracer } from "effect"
import { Sessions } from "../data/Sessions.ts"
import { ContainerManager } from "../sessions/manager/ContainerManager.ts"
import { NodePins } from "../sessions/runtimes/NodePins.ts"
import { PurchaseHandler } from "./PurchaseHandler.ts"
import { SellerNotifier } from "./SellerNotifier.ts"
import { SessionEvents } from "./SessionEvents.ts"

/** An update the processor refuses: it is retried, then parked as failed with this reason. */
export class UpdateRejected extends Schema.TaggedError<UpdateRejected>()("UpdateRejected", {
  reason: Schema.Literals(["UnknownAccount", "AccountMismatch"]),
  message: Schema.String
}) {}

/** Updates handled, by kind (`NewMessage`, `Authorized`, …). */
export const updatesProcessed = Metric.counter("vigia_updates_processed_total", {
  description: "Updates from session workers handled, by kind",
  incremental: true
})

const unknownAccount = () =>
  Effect.logWarning("an update from an account with no session").pipe(
    Effect.andThen(Effect.fail(new UpdateRejected({ reason: "UnknownAccount", message: "no session for the update's account" })))
  )

/** The span an update is handled in: a child of the worker's when the envelope carries its trace. */
const spanFor = (message: Messages.UpdateMessage) =>
  Effect.withSpan(`EventProcessor.${message.update._tag}`, {
    kind: "consumer",
    ...(message.trace === undefined ? {} : { parent: Tracer.externalSpan(message.trace) })
  })

export class EventProcessor extends Context.Service<EventProcessor, {
  /** Starts reading the account's updates (before its worker starts, so its first words are heard). */
  readonly register: (phone: PhoneNumber) => Effect.Effect<void, QueueError>
  /** Stops reading the account's updates once the one in progress is handled; what waits stays queued. */
  readonly unregister: (phone: PhoneNumber) => Effect.Effect<void>
}>()("@vigia/control/events/EventProcessor") {
  /** At start it reads the updates of every session meant to run. */
  static readonly layer = Layer.effect(
    EventProcessor,
    Effect.gen(function*() {
      const queue = yield* Queue
      const sessions = yield* Sessions
      const purchases = yield* PurchaseHandler
      const sessionEvents = yield* SessionEvents
      const notifier = yield* SellerNotifier
      const containers = yield* ContainerManager
      const pins = yield* NodePins

      const groupMessage = Effect.fnUntraced(function*(account: PhoneNumber, update: Messages.NewMessage | Messages.MessageEdited) {
        const intake = yield* purchases.handle(account, update)
        switch (intake._tag) {
          case "NoSession":
            return yield* unknownAccount()
          case "Recorded":
            return yield* Effect.logDebug("an order recorded", { order: intake.order.id, revision: intake.order.revision })
          default:
            return yield* Effect.logDebug("a group message that is no new order", intake._tag)
        }
      })

      const handle = Effect.fnUntraced(function*(message: Messages.UpdateMessage, from: QueueNames.QueueName) {
        const account = QueueNames.phoneOf(from)
        if (message.phoneNumber !== account) {
          yield* Effect.logWarning("an update whose envelope names another account").pipe(
            Effect.annotateLogs({ envelope: mask(message.phoneNumber) })
          )
          return yield* new UpdateRejected({
            reason: "AccountMismatch",
            message: "the update's envelope names another account than its queue"
          })
        }
        // A sign of life before anything else, so that a slow or unreachable database never makes a worker look dead.
        yield* containers.observe(message)
        const update = message.update
        if (update._tag === "NewMessage" || update._tag === "MessageEdited") {
          yield* groupMessage(account, update)
        } else {
          const session = yield* sessions.get(account).pipe(
            Effect.map(Option.some),
            Effect.catchTag("SessionsError", () => Effect.succeedNone)
          )
          if (Option.isNone(session)) return yield* unknownAccount()
          yield* sessionEvents.handle(session.value, update)
        }
        yield* Metric.update(Metric.withAttributes(updatesProcessed, { kind: update._tag }), 1)
      }, (effect, message, from) =>
        effect.pipe(
          spanFor(message),
          Effect.annotateLogs({ account: mask(QueueNames.phoneOf(from)), update: message.update._tag })
        ))

      // A database, Redis or Bot API that cannot answer now is waited out, never parked; the rest is retried, then parked.
      const updates = yield* queue.consumeSet(Messages.UpdateMessage, handle, { concurrency: 1, transient: hasTransientError })

      const register = Effect.fn("EventProcessor.register")(function*(phone: PhoneNumber) {
        yield* updates.add(QueueNames.updatesQueue(phone))
      })

      const unregister = Effect.fn("EventProcessor.unregister")(function*(phone: PhoneNumber) {
        yield* updates.remove(QueueNames.updatesQueue(phone))
      })

      // A worker the manager gave up on (a crash loop) is a lost session for its seller.
      yield* containers.crashLoops.pipe(
        Stream.runForEach((phone) =>
          sessions.get(phone).pipe(
            Effect.flatMap((session) => notifier.sessionLost(session.userId, "WorkerUnavailable")),
            Effect.catchCause((cause) => Effect.logWarning("could not tell a seller their worker is down", cause))
          )),
        Effect.forkScoped
      )

      // A worker moved off its drained or removed node left its login there: its account must log in again.
      yield* pins.moves.pipe(
        Stream.runForEach((move) =>
          Effect.forEach(move.accounts, (phone) =>
            sessions.get(phone).pipe(
              Effect.flatMap(sessionEvents.movedOffNode),
              Effect.catchCause((cause) =>
                Effect.logWarning("could not tell a seller their account must log in again", cause).pipe(
                  Effect.annotateLogs({ account: mask(phone) })
                ))
            ), { discard: true })),
        Effect.forkScoped
      )

      // A worker asked to start (a seller logging in) is heard from its first word on.
      yield* containers.starts.pipe(
        Stream.runForEach((phone) =>
          register(phone).pipe(
            Effect.catch((error) => Effect.logError("could not read a starting worker's updates", error.message))
          )),
        Effect.forkScoped
      )

      const running = yield* sessions.list({ desired: "running" })
      yield* Effect.forEach(running, (session) => register(session.phoneNumber), { discard: true })
      yield* Effect.logInfo("reading the updates of the sessions meant to run", { sessions: running.length })

      return EventProcessor.of({ register, unregister })
    })
  )
}
