/**
 * Keeps each worker's watched-chat list equal to its seller's active groups (`SetWatchedChats`), so only messages
 * from those groups cross Redis: after every (de)activation, and whenever a worker starts or its account connects.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { SetWatchedChats } from "@vigia/protocol/Messages"
import { Context, Effect, Layer } from "effect"
import { ActiveGroups } from "../data/ActiveGroups.ts"
import type { DatabaseError } from "../data/Database.ts"
import * as KeyedLocks from "./KeyedLocks.ts"
import { SessionGateway } from "./SessionGateway.ts"
import { Sessions } from "../data/Sessions.ts"
import type { UserId } from "../data/UserId.ts"
import { type UserError, Users } from "../data/Users.ts"

export class WatchedChats extends Context.Service<WatchedChats, {
  /**
   * Sends the seller's active groups to the worker of their connected account. With no account, no session or a
   * session not meant to run there is nothing to do; a worker that cannot be reached is logged, not raised (it
   * gets the list again when it starts).
   */
  readonly sync: (userId: UserId) => Effect.Effect<void, UserError | DatabaseError>
  /** The same, to the worker of `phone`, a session of the seller's (the event processor knows which). */
  readonly push: (userId: UserId, phone: PhoneNumber) => Effect.Effect<void, DatabaseError>
}>()("@vigia/control/sessions/WatchedChats") {
  static readonly layer = Layer.effect(
    WatchedChats,
    Effect.gen(function*() {
      const users = yield* Users
      const sessions = yield* Sessions
      const groups = yield* ActiveGroups
      const gateway = yield* SessionGateway
      /** One list in flight per seller, so an older list never overtakes a newer one. */
      const locked = KeyedLocks.make<UserId>()

      const push = Effect.fn("WatchedChats.push")(function*(userId: UserId, phone: PhoneNumber) {
        yield* locked(userId, Effect.gen(function*() {
          const chatIds = (yield* groups.list(userId)).map((group) => group.groupId)
          yield* gateway.call(phone, new SetWatchedChats({ chatIds })).pipe(
            Effect.catch((error) => {
              const log = error._tag === "SessionUnavailable" && (error.reason === "NotRunning" || error.reason === "WorkerDead")
                ? Effect.logDebug
                : Effect.logWarning
              return log("the watched chats did not reach the worker", error._tag === "SessionUnavailable" ? error.reason : error.message).pipe(
                Effect.annotateLogs({ account: mask(phone), chats: chatIds.length })
              )
            })
          )
        }))
      })

      const sync = Effect.fn("WatchedChats.sync")(function*(userId: UserId) {
        const user = yield* users.get(userId)
        if (user.phoneNumber === null) return
        const phone = user.phoneNumber
        const session = yield* sessions.get(phone).pipe(
          Effect.catchTag("SessionsError", () => Effect.succeed(undefined))
        )
        if (session === undefined || session.userId !== userId || session.desiredState !== "running") return
        yield* push(userId, phone)
      })

      return WatchedChats.of({ sync, push })
    })
  )
}
