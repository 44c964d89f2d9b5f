/**
 * The bot's side of `SellerNotifier`: turns a seller's account events into messages, and
 * moves the seller's conversation to the login step the worker asks for.
 */
import { Effect, Layer } from "effect"
import { AwaitingCode, AwaitingEmailCode, AwaitingPassword, Conversations, Idle, type Step } from "../data/Conversations.ts"
import type { UserId } from "../data/UserId.ts"
import { Users } from "../data/Users.ts"
import { type LoginStep, SellerNotifier } from "../events/SellerNotifier.ts"
import * as CodeKeypad from "./CodeKeypad.ts"
import { Groups } from "./features/Groups.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

/** The bot's `SellerNotifier`. */
export const layer = Layer.effect(
  SellerNotifier,
  Effect.gen(function*() {
    const telegram = yield* TelegramBot
    const conversations = yield* Conversations
    const users = yield* Users
    const groups = yield* Groups

    /** The seller's private chat with the bot is their Telegram user id. */
    const chatOf = (userId: UserId) => Effect.map(users.get(userId), (user) => user.telegramUserId)

    const phoneOf = (step: Step) => ("phone" in step ? step.phone : undefined)

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
          const sent = yield* telegram.send(chatId, Texts.askCode(step.length, Texts.codeVia[step.codeType] ?? ""), {
            replyMarkup: CodeKeypad.markup
          })
          const attempts = current._tag === "AwaitingCode" ? current.attempts : 0
          return yield* conversations.set(
            chatId,
            new AwaitingCode({ phone, length: step.length || 5, attempts, keypadMessageId: sent.message_id })
          )
        }
        case "WaitingForPassword": {
          yield* conversations.set(chatId, new AwaitingPassword({ phone, hint: step.hint, attempts: 0 }))
          return yield* telegram.send(chatId, Texts.askPassword(step.hint))
        }
        case "WaitingForEmailCode": {
          yield* conversations.set(chatId, new AwaitingEmailCode({ phone, attempts: 0 }))
          return yield* telegram.send(chatId, Texts.askEmailCode(step.emailPattern))
        }
        default: {
          yield* conversations.set(chatId, new Idle())
          return yield* telegram.send(chatId, Texts.unsupportedLoginStep)
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
      yield* telegram.send(chatId, Texts.connected(name, account.username), { replyMarkup: { remove_keyboard: true } })
      yield* groups.show(seller)
    })

    const sessionLost = Effect.fn("BotNotifier.sessionLost")(function*(userId: UserId, loss: "LoggedOutElsewhere" | "WorkerUnavailable") {
      const chatId = yield* chatOf(userId)
      yield* conversations.set(chatId, new Idle())
      yield* telegram.send(chatId, loss === "LoggedOutElsewhere" ? Texts.loggedOutElsewhere : Texts.workerLost)
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
