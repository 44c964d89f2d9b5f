/**
 * Reads every account's `user-{phone}-updates`, one update at a time per account, and acts on each: orders from
 * active groups to the purchase handler (once per message), login steps and session changes to the seller.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue, type QueueError } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Context, Effect, Layer, Metric, Option, Schema, Stream } from "effect"
import { ActiveGroups } from "../data/ActiveGroups.ts"
import { ContainerManager } from "../sessions/manager/ContainerManager.ts"
import { ProcessedMessages } from "../data/ProcessedMessages.ts"
import { PurchaseHandler } from "./PurchaseHandler.ts"
import { SellerNotifier } from "./SellerNotifier.ts"
import { type ObservedState, type Session, Sessions } from "../data/Sessions.ts"
import { Users } from "../data/Users.ts"
import { WatchedChats } from "../sessions/WatchedChats.ts"

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

/** Orders reported to sellers. */
export const purchasesReported = Metric.counter("vigia_purchases_reported_total", {
  description: "Orders found in active groups and reported to their sellers",
  incremental: true
})

/** The session state an authorization state stands for, where there is one. */
const observedOf: Partial<Record<Messages.AuthorizationState["state"], ObservedState>> = {
  WaitCode: "waiting-for-code",
  WaitPassword: "waiting-for-password",
  Ready: "authorized"
}

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
      const users = yield* Users
      const groups = yield* ActiveGroups
      const processed = yield* ProcessedMessages
      const purchases = yield* PurchaseHandler
      const notifier = yield* SellerNotifier
      const containers = yield* ContainerManager
      const watched = yield* WatchedChats
      const scope = yield* Effect.scope

      /** Sends the watched chats without holding up the account's next updates. */
      const pushWatchedChats = (session: Session) =>
        watched.push(session.userId, session.phoneNumber).pipe(
          Effect.catch((error) => Effect.logWarning("the watched chats could not be read", error.message)),
          Effect.forkIn(scope),
          Effect.asVoid
        )

      const recordObserved = (session: Session, state: ObservedState) =>
        session.observedState === state
          ? Effect.void
          : Effect.asVoid(sessions.recordObserved(session.phoneNumber, state, null))

      const newMessage = Effect.fnUntraced(function*(session: Session, message: Messages.NewMessage) {
        const group = yield* groups.find(session.userId, message.chatId)
        if (Option.isNone(group)) return yield* Effect.logDebug("a message from a group that is not active")
        const key = { userId: session.userId, chatId: message.chatId, messageId: message.messageId }
        if (!(yield* processed.claim(key))) return yield* Effect.logDebug("a message handled already")
        const report = yield* purchases.handle(session.userId, session.phoneNumber, message, group.value).pipe(
          // Given back so that the retry of this update handles the message.
          Effect.onError(() =>
            processed.release(key).pipe(
              Effect.catch((error) => Effect.logError("a failed message's claim could not be released", error.message))
            )
          )
        )
        if (Option.isSome(report)) yield* Metric.update(purchasesReported, 1)
      })

      const authorized = Effect.fnUntraced(function*(session: Session, update: Messages.Authorized) {
        const user = yield* users.get(session.userId)
        // A worker that restarts reports its account again: only a new login is recorded and told.
        const known = user.phoneNumber === session.phoneNumber && user.telegramAccountId === update.user.userId
        if (!known) {
          yield* users.recordLogin(session.userId, {
            phoneNumber: session.phoneNumber,
            telegramAccountId: update.user.userId
          })
        }
        yield* recordObserved(session, "authorized")
        if (!known) yield* notifier.accountConnected(session.userId, update.user)
        yield* pushWatchedChats(session)
      })

      const loggedOut = Effect.fnUntraced(function*(session: Session) {
        yield* recordObserved(session, "logged-out")
        // Recorded already: the same update again, or a logout the bot recorded itself.
        if ((yield* users.get(session.userId)).telegramAccountId === null) return
        yield* users.recordLogout(session.userId)
        // A logout the seller asked for sets the desired state to stopped first.
        if (session.desiredState === "stopped") return
        yield* Effect.logInfo("the account was logged out elsewhere")
        yield* notifier.sessionLost(session.userId, "LoggedOutElsewhere")
      })

      const dispatch = (session: Session, update: Messages.Update) => {
        switch (update._tag) {
          case "NewMessage":
            return newMessage(session, update)
          case "AuthorizationState": {
            const state = observedOf[update.state]
            return state === undefined ? Effect.void : recordObserved(session, state)
          }
          case "ConnectionState":
            return Effect.logDebug("connection state", update.state)
          case "WaitingForCode":
            return recordObserved(session, "waiting-for-code").pipe(
              Effect.andThen(notifier.loginStep(session.userId, update))
            )
          case "WaitingForPassword":
            return recordObserved(session, "waiting-for-password").pipe(
              Effect.andThen(notifier.loginStep(session.userId, update))
            )
          case "WaitingForEmail":
          case "WaitingForEmailCode":
          case "WaitingForRegistration":
          case "WaitingForOtherDeviceConfirmation":
            return notifier.loginStep(session.userId, update)
          case "Authorized":
            return authorized(session, update)
          case "LoggedOut":
            return loggedOut(session)
          case "MessageEdited":
            // Edits are not re-quoted yet: the order ledger will record them as revisions.
            return Effect.void
          case "WorkerStarted":
            // A restarted worker may have lost its list; it is sent again.
            return pushWatchedChats(session)
        }
      }

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
        const session = yield* sessions.get(account).pipe(
          Effect.catchTag("SessionsError", () => Effect.succeed(undefined))
        )
        if (session === undefined) {
          yield* Effect.logWarning("an update from an account with no session")
          return yield* new UpdateRejected({ reason: "UnknownAccount", message: "no session for the update's account" })
        }
        yield* dispatch(session, message.update)
        yield* Metric.update(Metric.withAttributes(updatesProcessed, { kind: message.update._tag }), 1)
      }, (effect, message, from) =>
        effect.pipe(Effect.annotateLogs({ account: mask(QueueNames.phoneOf(from)), update: message.update._tag })))

      const updates = yield* queue.consumeSet(Messages.UpdateMessage, handle, { concurrency: 1 })

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
