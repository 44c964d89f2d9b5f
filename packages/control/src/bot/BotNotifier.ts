/**
 * The bot's side of `SellerNotifier`: turns a seller's account events into messages, moves the seller's
 * conversation to the login step the worker asks for (before asking), and ends logins the bot cannot finish.
 */
import { Clock, Effect, Layer } from "effect"
import { AwaitingCode, AwaitingEmailCode, AwaitingPassword, Conversations, Idle, type Step } from "../data/Conversations.ts"
import type { UserId } from "../data/UserId.ts"
import { Users } from "../data/Users.ts"
import { type LoginStep, SellerNotifier, type SessionLoss } from "../events/SellerNotifier.ts"
import * as FailureTexts from "./FailureTexts.ts"
import { Groups } from "./features/Groups.ts"
import { LoginSessions } from "./features/LoginSessions.ts"
import { keypadMarkup } from "./features/LoginSteps.ts"
import * as LoginTexts from "./LoginTexts.ts"
import { TelegramBot } from "./TelegramBot.ts"

/** What a seller reads when their account stops working. */
const lossText: Record<SessionLoss, string> = {
  LoggedOutElsewhere: LoginTexts.loggedOutElsewhere,
  WorkerUnavailable: LoginTexts.workerLost,
  NodeRetired: LoginTexts.nodeRetired
}

/** The bot's `SellerNotifier`. */
export const layer = Layer.effect(
  SellerNotifier,
  Effect.gen(function*() {
    const telegram = yield* TelegramBot
    const conversations = yield* Conversations
    const users = yield* Users
    const groups = yield* Groups
    const logins = yield* LoginSessions
    const scope = yield* Effect.scope

    /** The seller's private chat with the bot is their Telegram user id. */
    const chatOf = (userId: UserId) => Effect.map(users.get(userId), (user) => user.telegramUserId)

    const phoneOf = (step: Step) => ("phone" in step ? step.phone : undefined)

    /** Each step is recorded before its prompt is sent, so an answer given the moment the prompt shows finds it. */
    const loginStep = Effect.fn("BotNotifier.loginStep")(function*(userId: UserId, step: LoginStep) {
      const chatId = yield* chatOf(userId)
      const current = yield* conversations.get(chatId)
      const phone = phoneOf(current)
      if (phone === undefined) {
        return yield* Effect.logWarning("a login step arrived for a seller who is not logging in").pipe(
          Effect.annotateLogs({ step: step._tag })
        )
      }
      switch (step._tag) {
        case "WaitingForCode": {
          const resend = step.nextType === undefined ? undefined : { via: LoginTexts.codeVia[step.nextType] ?? "", seconds: step.timeoutSeconds }
          const now = yield* Clock.currentTimeMillis
          const resendableAt = resend === undefined ? null : now + resend.seconds * 1000
          const attempts = current._tag === "AwaitingCode" ? current.attempts : 0
          yield* conversations.set(chatId, new AwaitingCode({ phone, length: step.length || 5, attempts, resendableAt }))
          return yield* telegram.send(chatId, LoginTexts.askCode(step.length, LoginTexts.codeVia[step.codeType] ?? "", resend), {
            replyMarkup: keypadMarkup(resend !== undefined)
          })
        }
        case "WaitingForPassword": {
          yield* conversations.set(chatId, new AwaitingPassword({ phone, hint: step.hint, attempts: 0 }))
          return yield* telegram.send(chatId, LoginTexts.askPassword(step.hint))
        }
        case "WaitingForEmailCode": {
          const attempts = current._tag === "AwaitingEmailCode" ? current.attempts : 0
          yield* conversations.set(chatId, new AwaitingEmailCode({ phone, attempts, length: step.length }))
          return yield* telegram.send(chatId, LoginTexts.askEmailCode(step.emailPattern, step.length), { replyMarkup: keypadMarkup(false) })
        }
        default: {
          // Steps only the Telegram app completes: the login stops here, and the seller learns what to do there.
          // The worker is removed beside: its start may still wait for the update after this one.
          yield* conversations.set(chatId, new Idle())
          yield* Effect.forkIn(logins.abandon(phone).pipe(Effect.catchCause((cause) => Effect.logWarning("could not stop a login", cause))), scope)
          return yield* telegram.send(chatId, FailureTexts.stepInTheApp[step._tag])
        }
      }
    }, Effect.asVoid)

    const accountConnected = Effect.fn("BotNotifier.accountConnected")(function*(userId: UserId, account: {
      readonly firstName: string
      readonly lastName: string
      readonly username?: string
    }) {
      const seller = yield* users.get(userId)
      const chatId = seller.telegramUserId
      yield* conversations.set(chatId, new Idle())
      const name = [account.firstName, account.lastName].filter((part) => part !== "").join(" ")
      yield* telegram.send(chatId, LoginTexts.connected(name, account.username), { replyMarkup: { remove_keyboard: true } })
      yield* groups.show(seller)
    })

    const sessionLost = Effect.fn("BotNotifier.sessionLost")(function*(userId: UserId, loss: SessionLoss) {
      // Logged out (by Telegram, or its login left on a retired node), the account's phone is released already:
      // its worker, which holds no login, goes too.
      if (loss !== "WorkerUnavailable") yield* logins.endUnfinished(userId)
      const chatId = yield* chatOf(userId)
      yield* conversations.set(chatId, new Idle())
      yield* telegram.send(chatId, lossText[loss])
    })

    /** A notice that could not be delivered is logged; it never fails the event that caused it. */
    const logged = <A extends ReadonlyArray<unknown>, E>(name: string, f: (...args: A) => Effect.Effect<void, E>) =>
    (...args: A) =>
      f(...args).pipe(
        Effect.catchCause((cause) => Effect.logError(`could not tell the seller (${name})`, cause))
      )

    return SellerNotifier.of({
      loginStep: logged("loginStep", loginStep),
      accountConnected: logged("accountConnected", accountConnected),
      sessionLost: logged("sessionLost", sessionLost)
    })
  })
)
