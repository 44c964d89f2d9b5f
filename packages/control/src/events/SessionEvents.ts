/**
 * What an account's worker says of its session, acted on: login steps told to the seller and recorded, a login
 * recorded once, a logout elsewhere told, and the watched chats sent to a worker that (re)started or logged in.
 */
import type * as Messages from "@vigia/protocol/Messages"
import { Context, Effect, Layer } from "effect"
import type { DatabaseError } from "../data/Database.ts"
import { type ObservedState, type Session, type SessionsError, Sessions } from "../data/Sessions.ts"
import { type UserError, Users } from "../data/Users.ts"
import { WatchedChats } from "../sessions/WatchedChats.ts"
import { SellerNotifier } from "./SellerNotifier.ts"

/** The updates about the session itself: every update but the messages of the groups. */
export type SessionUpdate = Exclude<Messages.Update, Messages.NewMessage | Messages.MessageEdited>

/** The session state an authorization state stands for, where there is one. */
const observedOf: Partial<Record<Messages.AuthorizationState["state"], ObservedState>> = {
  WaitCode: "waiting-for-code",
  WaitPassword: "waiting-for-password",
  Ready: "authorized"
}

export class SessionEvents extends Context.Service<SessionEvents, {
  readonly handle: (session: Session, update: SessionUpdate) => Effect.Effect<void, DatabaseError | SessionsError | UserError>
  /**
   * The account's worker was moved off its drained or removed node, its login left in the volume there: the
   * account is released (as by a logout) and its seller told to log in again.
   */
  readonly movedOffNode: (session: Session) => Effect.Effect<void, DatabaseError | SessionsError | UserError>
}>()("@vigia/control/events/SessionEvents") {
  static readonly layer = Layer.effect(
    SessionEvents,
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const users = yield* Users
      const notifier = yield* SellerNotifier
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

      const movedOffNode = Effect.fnUntraced(function*(session: Session) {
        yield* recordObserved(session, "logged-out")
        if ((yield* users.get(session.userId)).phoneNumber === session.phoneNumber) yield* users.recordLogout(session.userId)
        yield* notifier.sessionLost(session.userId, "NodeRetired")
      })

      const handle = (session: Session, update: SessionUpdate) => {
        switch (update._tag) {
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
          case "WorkerStarted":
            // A restarted worker may have lost its list; it is sent again.
            return pushWatchedChats(session)
        }
      }

      return SessionEvents.of({ handle, movedOffNode })
    })
  )
}
