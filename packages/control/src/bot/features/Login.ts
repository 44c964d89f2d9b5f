/**
 * Connecting the seller's Telegram account: `/login`, the phone number (typed or shared), the start of the
 * account's worker and of Telegram's login; and `/logout`. The steps Telegram asks for next are in `LoginSteps`.
 */
import * as PhoneNumber from "@vigia/domain/PhoneNumber"
import { LogOut, StartLogin } from "@vigia/protocol/Messages"
import { Context, Effect, Layer } from "effect"
import { Composer } from "grammy"
import { AuditLog } from "../../data/AuditLog.ts"
import { AwaitingLoginStep, AwaitingPhone, Conversations, Idle } from "../../data/Conversations.ts"
import { Sessions } from "../../data/Sessions.ts"
import type { UserId } from "../../data/UserId.ts"
import { Users } from "../../data/Users.ts"
import { ContainerManager, type StartStep } from "../../sessions/manager/ContainerManager.ts"
import { SessionGateway } from "../../sessions/SessionGateway.ts"
import { atStep, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import { loginFailed } from "./LoginSteps.ts"

const progressText = (step: StartStep) => step._tag === "Ready" ? Texts.waitingTelegram : Texts.startingSession

export class Login extends Context.Service<Login, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/Login") {
  static readonly layer = Layer.effect(
    Login,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const conversations = yield* Conversations
      const gateway = yield* SessionGateway
      const manager = yield* ContainerManager
      const sessions = yield* Sessions
      const users = yield* Users
      const audit = yield* AuditLog

      /** `/login` (the guard checked the plan allows it): asks for the phone number, unless already connected. */
      const begin = Effect.fn("Login.begin")(function*(ctx: BotContext) {
        const { phoneNumber, telegramAccountId } = ctx.seller
        if (telegramAccountId !== null && phoneNumber !== null) {
          const session = yield* sessions.get(phoneNumber).pipe(
            Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.undefined)
          )
          if (session?.desiredState === "running" && session.observedState === "authorized") {
            return yield* handlers.reply(ctx, Texts.alreadyConnected)
          }
        }
        yield* conversations.set(ctx.seller.telegramUserId, new AwaitingPhone())
        return yield* handlers.reply(ctx, Texts.askPhone, {
          replyMarkup: {
            keyboard: [[{ text: Texts.sharePhoneButton, request_contact: true }]],
            resize_keyboard: true,
            one_time_keyboard: true
          }
        })
      }, Effect.asVoid)

      /** Starts the account's worker, telling its progress in one edited message; whether it started. */
      const startWorker = Effect.fnUntraced(function*(chatId: number, phone: PhoneNumber.PhoneNumber) {
        const progress = yield* telegram.send(chatId, Texts.startingSession, { replyMarkup: { remove_keyboard: true } })
        const report = (step: StartStep) => telegram.edit(chatId, progress.message_id, progressText(step)).pipe(Effect.ignore)
        return yield* manager.start(phone, report).pipe(
          Effect.andThen(report({ _tag: "Ready", reused: false })),
          Effect.as(true),
          Effect.catchTag("ContainerManagerError", (error) =>
            Effect.gen(function*() {
              yield* Effect.logWarning("the seller's worker did not start", error.message)
              yield* conversations.set(chatId, new Idle())
              yield* sessions.setDesired(phone, "stopped").pipe(Effect.ignore)
              yield* telegram.edit(chatId, progress.message_id, FailureTexts.startFailed(error.reason._tag))
              return false
            }))
        )
      })

      /** The phone number (typed or shared): the account's session is registered, its worker started, its login begun. */
      const phone = Effect.fn("Login.phone")(function*(chatId: number, userId: UserId, typed: string) {
        const number = yield* PhoneNumber.normalize(typed).pipe(
          Effect.catchTag("InvalidPhoneNumber", (invalid) =>
            telegram.send(chatId, FailureTexts.invalidPhone[invalid.reason]).pipe(Effect.as(undefined)))
        )
        if (number === undefined) return
        const registered = yield* sessions.register(userId, number, manager.runtime).pipe(
          Effect.as(true),
          Effect.catchReason("SessionsError", "PhoneInUse", () => Effect.succeed(false))
        )
        if (!registered) return yield* telegram.send(chatId, Texts.phoneInUse)
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: number }))
        yield* audit.append({ userId, action: "login", details: { phone: PhoneNumber.mask(number), step: "started" } })
        if (!(yield* startWorker(chatId, number))) return
        // The worker's answer (the code it waits for) arrives as an update, which the seller's notifier tells.
        yield* gateway.call(number, new StartLogin({ phoneNumber: number })).pipe(
          Effect.catch((error) =>
            conversations.set(chatId, new Idle()).pipe(Effect.andThen(telegram.send(chatId, loginFailed(error))))
          )
        )
      }, Effect.asVoid)

      const logout = Effect.fn("Login.logout")(function*(ctx: BotContext) {
        const number = ctx.seller.phoneNumber
        if (number === null) return yield* handlers.reply(ctx, Texts.notConnected)
        // Desired state first, so the worker's `LoggedOut` is not taken for a logout elsewhere.
        yield* sessions.setDesired(number, "stopped").pipe(Effect.ignore)
        yield* gateway.call(number, new LogOut()).pipe(
          Effect.catchCause((cause) => Effect.logWarning("log out through the worker failed; stopping it anyway", cause))
        )
        yield* manager.stop(number)
        yield* users.recordLogout(ctx.seller.id)
        yield* conversations.set(ctx.seller.telegramUserId, new Idle())
        return yield* handlers.reply(ctx, Texts.loggedOut)
      }, Effect.asVoid)

      const composer = new Composer<BotContext>()
      composer.command("login", handlers.handle(begin))
      composer.command("logout", handlers.handle(logout))
      composer.filter(
        atStep("AwaitingPhone"),
        handlers.handle((ctx) =>
          phone(ctx.seller.telegramUserId, ctx.seller.id, ctx.message?.contact?.phone_number ?? ctx.message?.text ?? "")
        )
      )
      composer.filter(atStep("AwaitingLoginStep"), handlers.handle((ctx) => handlers.reply(ctx, Texts.waitingTelegram)))

      return Login.of({ composer })
    })
  )
}
