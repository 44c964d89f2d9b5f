/**
 * Connecting the seller's Telegram account: `/login`, the phone number (typed, or shared), the start of the
 * account's worker told step by step and of Telegram's login; and `/logout`. The steps Telegram asks for next are
 * in `LoginSteps`, the life of the login's session in `LoginSessions`.
 */
import * as PhoneNumber from "@vigia/domain/PhoneNumber"
import { LogOut, StartLogin } from "@vigia/protocol/Messages"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { Composer } from "grammy"
import { AwaitingLoginStep, AwaitingPhone, Conversations, Idle } from "../../data/Conversations.ts"
import { Sessions } from "../../data/Sessions.ts"
import { type User, Users } from "../../data/Users.ts"
import { ContainerManager, type StartStep } from "../../sessions/manager/ContainerManager.ts"
import { SessionGateway } from "../../sessions/SessionGateway.ts"
import { atStep, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import * as LoginTexts from "../LoginTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import { type Claim, LoginSessions, refused } from "./LoginSessions.ts"
import { loginFailed } from "./LoginSteps.ts"

/** What the seller reads at each step of the start of their worker. */
const progressText = (step: StartStep): string => {
  switch (step._tag) {
    case "Queued":
      return LoginTexts.startQueued(step.place)
    case "Creating":
      return LoginTexts.creatingSession
    case "WaitingForWorker":
      return LoginTexts.startingSession
    case "Ready":
      return LoginTexts.waitingTelegram
  }
}

/** Why a claim was refused, in the seller's words. */
const refusalText = (claim: Exclude<Claim, { readonly _tag: "Claimed" }>, now: number): string => {
  switch (claim._tag) {
    case "RateLimited":
      return FailureTexts.loginRateLimited(claim.retryAt, new Date(now))
    case "InUse":
      return LoginTexts.phoneInUse
    case "OtherNumberBound":
      return FailureTexts.otherNumberConnected(PhoneNumber.mask(claim.bound))
  }
}

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
      const logins = yield* LoginSessions

      /**
       * `/login` (the guard checked the plan allows it): asks for the phone number, unless already connected or
       * past the rate limit. A login of the seller's that did not finish stops here: one live login per seller.
       */
      const begin = Effect.fn("Login.begin")(function*(ctx: BotContext) {
        const { phoneNumber, telegramAccountId } = ctx.seller
        if (telegramAccountId !== null && phoneNumber !== null) {
          const session = yield* sessions.get(phoneNumber).pipe(
            Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.undefined)
          )
          if (session?.desiredState === "running" && session.observedState === "authorized") {
            return yield* handlers.reply(ctx, LoginTexts.alreadyConnected)
          }
        }
        const limited = yield* logins.nextAttempt(ctx.seller.id)
        if (Option.isSome(limited)) {
          yield* refused("RateLimited")
          return yield* handlers.reply(ctx, FailureTexts.loginRateLimited(limited.value, new Date(yield* Clock.currentTimeMillis)))
        }
        yield* logins.endUnfinished(ctx.seller.id)
        yield* conversations.set(ctx.seller.telegramUserId, new AwaitingPhone())
        return yield* handlers.reply(ctx, LoginTexts.askPhone, {
          replyMarkup: {
            keyboard: [[{ text: LoginTexts.sharePhoneButton, request_contact: true }]],
            resize_keyboard: true,
            one_time_keyboard: true
          }
        })
      }, Effect.asVoid)

      /** Starts the account's worker, telling each step in one edited message; whether it started. */
      const startWorker = Effect.fnUntraced(function*(chatId: number, phone: PhoneNumber.PhoneNumber) {
        const progress = yield* telegram.send(chatId, LoginTexts.startingSession, { replyMarkup: { remove_keyboard: true } })
        const tell = (text: string) => telegram.edit(chatId, progress.message_id, text).pipe(Effect.ignore)
        const started = yield* manager.start(phone, (step) => tell(progressText(step))).pipe(
          Effect.as(true),
          Effect.catchTag("ContainerManagerError", (error) =>
            Effect.gen(function*() {
              yield* Effect.logWarning("the seller's worker did not start", error.message)
              yield* logins.abandon(phone)
              yield* telegram.edit(chatId, progress.message_id, FailureTexts.startFailed(error.reason._tag))
              return false
            }))
        )
        return { started, tell }
      })

      /** The phone number (typed or shared): claimed for this login, the account's worker started, the login begun. */
      const phone = Effect.fn("Login.phone")(function*(seller: User, typed: string) {
        const chatId = seller.telegramUserId
        const number = yield* PhoneNumber.parse(typed, logins.defaultRegion).pipe(
          Effect.catchTag("InvalidPhoneNumber", (invalid) =>
            Effect.logInfo("a seller typed a phone number that is not one", invalid.reason).pipe(
              Effect.andThen(refused(`Phone${invalid.reason}`)),
              Effect.andThen(telegram.send(chatId, FailureTexts.invalidPhone[invalid.reason])),
              Effect.as(undefined)
            ))
        )
        if (number === undefined) return
        const claim = yield* logins.claim(seller, number)
        if (claim._tag !== "Claimed") {
          if (claim._tag !== "InUse") yield* conversations.set(chatId, new Idle())
          return yield* telegram.send(chatId, refusalText(claim, yield* Clock.currentTimeMillis))
        }
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: number }))
        const { started, tell } = yield* startWorker(chatId, number)
        if (!started) return
        // The worker's answer (the code it waits for) arrives as an update, which the seller's notifier tells.
        yield* gateway.call(number, new StartLogin({ phoneNumber: number })).pipe(
          Effect.andThen(tell(LoginTexts.sessionReady)),
          Effect.catch((error) =>
            Effect.gen(function*() {
              // A step the Telegram app must complete may have ended the login, and told the seller why, already.
              const step = yield* conversations.get(chatId)
              if (step._tag !== "AwaitingLoginStep" || step.phone !== number) {
                return yield* Effect.logInfo("the login ended before Telegram took its number", error.message)
              }
              yield* logins.abandon(number)
              yield* telegram.send(chatId, loginFailed(error))
            }))
        )
      }, Effect.asVoid)

      /**
       * `/logout`: the account is logged out of Telegram through its worker (started again if it is down), which
       * destroys TDLib's local data; only then is the phone released. The worker is removed either way.
       */
      const logout = Effect.fn("Login.logout")(function*(ctx: BotContext) {
        const number = ctx.seller.phoneNumber
        if (number === null) return yield* handlers.reply(ctx, Texts.notConnected)
        yield* conversations.set(ctx.seller.telegramUserId, new Idle())
        const unconfirmed = (error: { readonly message: string }) =>
          Effect.logWarning("the account could not be logged out of Telegram; it stays bound to its seller", error.message).pipe(
            Effect.as(false)
          )
        const confirmed = yield* manager.start(number).pipe(
          // Desired state stopped first, so the worker's `LoggedOut` is not taken for a logout elsewhere.
          Effect.andThen(sessions.setDesired(number, "stopped")),
          Effect.andThen(gateway.call(number, new LogOut())),
          Effect.as(true),
          Effect.catchTags({
            // TDLib had logged the account out already, and destroyed its data then.
            CommandError: (error) => error.message.includes("Already logged out") ? Effect.succeed(true) : unconfirmed(error),
            ContainerManagerError: unconfirmed,
            SessionUnavailable: unconfirmed
          })
        )
        yield* manager.stop(number)
        if (!confirmed) return yield* handlers.reply(ctx, FailureTexts.logoutFailed)
        yield* users.recordLogout(ctx.seller.id)
        return yield* handlers.reply(ctx, LoginTexts.loggedOut)
      }, Effect.asVoid)

      const composer = new Composer<BotContext>()
      composer.command("login", handlers.handle(begin))
      composer.command("logout", handlers.handle(logout))
      composer.filter(
        atStep("AwaitingPhone"),
        handlers.handle((ctx) => phone(ctx.seller, ctx.message?.contact?.phone_number ?? ctx.message?.text ?? ""))
      )
      composer.filter(atStep("AwaitingLoginStep"), handlers.handle((ctx) => handlers.reply(ctx, LoginTexts.stillWaitingTelegram)))

      return Login.of({ composer })
    })
  )
}
