/**
 * Answering what Telegram asks during a login: the code and the e-mail code (typed with separators or on the
 * keypad), the 2FA password, a new code once Telegram allows it; and `/cancelar`, which leaves whatever step the
 * seller is in. An answer reaches the worker only while the login is still the seller's and still going on.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { type CommandError, ResendCode, SubmitCode, SubmitEmailCode, SubmitPassword } from "@vigia/protocol/Messages"
import { Clock, Context, Effect, Layer, Redacted } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardMarkup } from "grammy/types"
import {
  AwaitingCode,
  AwaitingEmailCode,
  AwaitingLoginStep,
  AwaitingPassword,
  Conversations,
  Idle
} from "../../data/Conversations.ts"
import type { DatabaseError } from "../../data/Database.ts"
import { Sessions } from "../../data/Sessions.ts"
import type { UserId } from "../../data/UserId.ts"
import { SessionGateway, type SessionUnavailable } from "../../sessions/SessionGateway.ts"
import { type AtStep, atStep, type BotContext } from "../BotContext.ts"
import * as CodeKeypad from "../CodeKeypad.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { type BotFailure, Handlers } from "../Handlers.ts"
import * as LoginTexts from "../LoginTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"
import { LoginSessions } from "./LoginSessions.ts"

/** How many wrong codes or passwords a seller may type before the login starts over. */
export const maxAttempts = 5

/** Callback data of the button that asks Telegram for a new code. */
export const resendButton = "lg:resend"

const resendRow = [{ text: LoginTexts.resendButton, callback_data: resendButton }]

/** The keypad under a code prompt, with the button for a new code when Telegram offers one. */
export const keypadMarkup = (resendable: boolean): InlineKeyboardMarkup => ({
  inline_keyboard: resendable ? [...CodeKeypad.markup.inline_keyboard, resendRow] : CodeKeypad.markup.inline_keyboard
})

/** The most digits a keypad takes for a code of `length` digits (0: Telegram did not say). */
const keypadLimit = (length: number) => (length > 0 ? Math.max(length, 5) : 8)

/** Digits of a login code as a person types it to dodge Telegram's check (`1 2 3 4 5`, `1-2-3-4-5`). */
export const codeDigits = (typed: string): string => typed.replace(/[^0-9]/g, "")

/** The errors TDLib names in its message, and what each means for the seller. */
const telegramErrors: ReadonlyArray<readonly [string, FailureTexts.LoginRefusal]> = [
  ["PHONE_NUMBER_INVALID", "PhoneNumberInvalid"],
  ["PHONE_NUMBER_BANNED", "PhoneNumberBanned"],
  ["PHONE_CODE_INVALID", "CodeInvalid"],
  ["PHONE_CODE_EXPIRED", "CodeExpired"],
  ["EMAIL_CODE_INVALID", "EmailCodeInvalid"],
  ["PASSWORD_HASH_INVALID", "PasswordInvalid"]
]

/** Why Telegram refused a login step, read from the worker's error. */
export const refusalOf = (error: CommandError): FailureTexts.LoginRefusal =>
  error.code === 429 ? "TooManyAttempts" : telegramErrors.find(([name]) => error.message.includes(name))?.[1] ?? "Refused"

/** What the seller reads when a login step could not be done. */
export const loginFailed = (error: CommandError | SessionUnavailable): string =>
  error._tag === "SessionUnavailable"
    ? FailureTexts.sessionUnavailable[error.reason]
    : FailureTexts.loginRefused(refusalOf(error), error.code, error.retryAfterSeconds)

/** A secret the seller types (code or password): the refusal that means it was wrong, and how to ask again. */
interface Secret {
  readonly wrong: FailureTexts.LoginRefusal
  readonly askAgain: (attempts: number) => Effect.Effect<void, DatabaseError>
  readonly wrongText: (attemptsLeft: number) => string
}

/** A step the keypad answers. */
type CodeStep = AwaitingCode | AwaitingEmailCode

export class LoginSteps extends Context.Service<LoginSteps, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/LoginSteps") {
  static readonly layer = Layer.effect(
    LoginSteps,
    Effect.gen(function*() {
      const conversations = yield* Conversations
      const gateway = yield* SessionGateway
      const sessions = yield* Sessions
      const logins = yield* LoginSessions
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      /** Each seller's latest keypad and the digits pressed on it, in memory only: a login code is never stored. */
      const keypads = new Map<number, { readonly messageId: number; readonly digits: string }>()

      /** Leaves the step the seller is in; a login that did not finish leaves nothing running. */
      const cancel = Effect.fn("LoginSteps.cancel")(function*(chatId: number) {
        keypads.delete(chatId)
        const step = yield* conversations.get(chatId)
        yield* conversations.set(chatId, new Idle())
        if (!("phone" in step)) return step._tag !== "Idle"
        yield* logins.abandon(step.phone)
        return true
      })

      /** Whether the login of `phone` is still the seller's and still going on (not cancelled, expired or replaced). */
      const stillRunning = (sellerId: UserId, phone: PhoneNumber) =>
        sessions.get(phone).pipe(
          Effect.map((session) => session.userId === sellerId && session.desiredState === "running"),
          Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.succeed(false))
        )

      /** Telegram refused a secret: wrong (asked again, up to `maxAttempts`), expired, or refused for good. */
      const refused = Effect.fnUntraced(function*(chatId: number, attempts: number, error: CommandError, secret: Secret) {
        const refusal = refusalOf(error)
        if (refusal === secret.wrong) {
          const used = attempts + 1
          if (used >= maxAttempts) {
            yield* cancel(chatId)
            return yield* telegram.send(chatId, FailureTexts.tooManyAttempts(undefined))
          }
          yield* secret.askAgain(used)
          return yield* telegram.send(chatId, secret.wrongText(maxAttempts - used))
        }
        if (refusal === "CodeExpired") {
          return yield* telegram.send(chatId, FailureTexts.codeExpired, { replyMarkup: { inline_keyboard: [resendRow] } })
        }
        if (refusal === "TooManyAttempts") yield* cancel(chatId)
        return yield* telegram.send(chatId, loginFailed(error))
      })

      /** Submits a secret to the account's worker; Telegram's answer comes as the next login step or a refusal. */
      const submit = Effect.fnUntraced(function*(
        sellerId: UserId,
        chatId: number,
        phone: PhoneNumber,
        attempts: number,
        request: SubmitCode | SubmitPassword | SubmitEmailCode,
        secret: Secret
      ) {
        if (!(yield* stillRunning(sellerId, phone))) {
          yield* conversations.set(chatId, new Idle())
          return yield* telegram.send(chatId, FailureTexts.loginNotRunning)
        }
        // Recorded before the worker can answer: the next step's prompt must find it.
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone }))
        yield* gateway.call(phone, request).pipe(
          Effect.catchTags({
            CommandError: (error) => refused(chatId, attempts, error, secret),
            SessionUnavailable: (error) => telegram.send(chatId, loginFailed(error))
          })
        )
      })

      /** A login code or e-mail code, typed or pressed: submitted as the step asks. */
      const submitCode = Effect.fnUntraced(function*(sellerId: UserId, chatId: number, step: CodeStep, digits: string) {
        keypads.delete(chatId)
        if (digits === "") return yield* telegram.send(chatId, LoginTexts.codeWithoutDigits)
        const again = (attempts: number) =>
          conversations.set(chatId, step._tag === "AwaitingCode" ? new AwaitingCode({ ...step, attempts }) : new AwaitingEmailCode({ ...step, attempts }))
        const code = Redacted.make(digits)
        return yield* step._tag === "AwaitingCode"
          ? submit(sellerId, chatId, step.phone, step.attempts, new SubmitCode({ code }), {
            wrong: "CodeInvalid",
            askAgain: again,
            wrongText: LoginTexts.codeWrong
          })
          : submit(sellerId, chatId, step.phone, step.attempts, new SubmitEmailCode({ code }), {
            wrong: "EmailCodeInvalid",
            askAgain: again,
            wrongText: LoginTexts.codeWrong
          })
      })

      /** A press on the keypad under a code prompt (the one it was pressed on, whatever prompt came since). */
      const keypad = Effect.fn("LoginSteps.keypad")(function*(sellerId: UserId, chatId: number, messageId: number, data: string) {
        const step = yield* conversations.get(chatId)
        const press = CodeKeypad.parse(data)
        if ((step._tag !== "AwaitingCode" && step._tag !== "AwaitingEmailCode") || press === undefined) return
        const current = keypads.get(chatId)
        const digits = current?.messageId === messageId ? current.digits : ""
        if (press._tag === "Submit") {
          yield* telegram.edit(chatId, messageId, LoginTexts.keypadTyped("•".repeat(digits.length), digits.length)).pipe(Effect.ignore)
          return yield* submitCode(sellerId, chatId, step, digits)
        }
        const next = CodeKeypad.apply(digits, press, keypadLimit(step.length))
        keypads.set(chatId, { messageId, digits: next })
        const resendable = step._tag === "AwaitingCode" && step.resendableAt !== null
        yield* telegram.edit(chatId, messageId, LoginTexts.keypadTyped(next, step.length), { replyMarkup: keypadMarkup(resendable) })
      })

      /** A new code, once Telegram allows it: the toast says how long to wait, or that there is no other way. */
      const resend = Effect.fn("LoginSteps.resend")(function*(chatId: number) {
        const step = yield* conversations.get(chatId)
        if (!("phone" in step)) return LoginTexts.nothingToCancel
        if (step._tag === "AwaitingCode") {
          if (step.resendableAt === null) return LoginTexts.resendUnavailable
          const wait = Math.ceil((step.resendableAt - (yield* Clock.currentTimeMillis)) / 1000)
          if (wait > 0) return LoginTexts.resendWait(wait)
        }
        yield* gateway.call(step.phone, new ResendCode()).pipe(
          Effect.as(LoginTexts.codeResent),
          Effect.catch((error) => Effect.succeed(loginFailed(error))),
          Effect.flatMap((text) => telegram.send(chatId, text))
        )
      })

      const submitPassword = (sellerId: UserId, chatId: number, step: AwaitingPassword, typed: string) =>
        submit(sellerId, chatId, step.phone, step.attempts, new SubmitPassword({ password: Redacted.make(typed) }), {
          wrong: "PasswordInvalid",
          askAgain: (attempts) => conversations.set(chatId, new AwaitingPassword({ ...step, attempts })),
          wrongText: LoginTexts.passwordWrong
        })

      const secretMessage = secretMessageOf(telegram)
      const composer = wire(handlers, {
        cancel,
        code: secretMessage((sellerId, chatId, step, typed) => submitCode(sellerId, chatId, step, codeDigits(typed))),
        emailCode: secretMessage((sellerId, chatId, step, typed) => submitCode(sellerId, chatId, step, codeDigits(typed))),
        password: secretMessage(submitPassword),
        keypad,
        resend
      })
      return LoginSteps.of({ composer })
    })
  )
}

/** A message that answers a step with a secret: it does not stay in the chat. */
const secretMessageOf = (telegram: TelegramBot["Service"]) =>
<Tag extends "AwaitingCode" | "AwaitingPassword" | "AwaitingEmailCode">(
  answer: (sellerId: UserId, chatId: number, step: AtStep<Tag>["step"], typed: string) => Effect.Effect<unknown, BotFailure>
) =>
(ctx: AtStep<Tag>) =>
  telegram.remove(ctx.seller.telegramUserId, ctx.message.message_id).pipe(
    Effect.ignore,
    Effect.andThen(answer(ctx.seller.id, ctx.seller.telegramUserId, ctx.step, ctx.message.text ?? "")),
    Effect.asVoid
  )

/** The steps' handlers, each where grammY routes its update. */
const wire = (handlers: Handlers["Service"], steps: {
  readonly cancel: (chatId: number) => Effect.Effect<boolean, BotFailure>
  readonly code: (ctx: AtStep<"AwaitingCode">) => Effect.Effect<void, BotFailure>
  readonly emailCode: (ctx: AtStep<"AwaitingEmailCode">) => Effect.Effect<void, BotFailure>
  readonly password: (ctx: AtStep<"AwaitingPassword">) => Effect.Effect<void, BotFailure>
  readonly keypad: (sellerId: UserId, chatId: number, messageId: number, data: string) => Effect.Effect<void, BotFailure>
  readonly resend: (chatId: number) => Effect.Effect<string | void, BotFailure>
}) => {
  const composer = new Composer<BotContext>()
  composer.command(
    "cancelar",
    handlers.handle((ctx) =>
      steps.cancel(ctx.seller.telegramUserId).pipe(
        Effect.flatMap((cancelled) => handlers.reply(ctx, cancelled ? LoginTexts.loginCancelled : LoginTexts.nothingToCancel))
      )
    )
  )
  composer.filter(atStep("AwaitingCode"), handlers.handle(steps.code))
  composer.filter(atStep("AwaitingEmailCode"), handlers.handle(steps.emailCode))
  composer.filter(atStep("AwaitingPassword"), handlers.handle(steps.password))
  composer.callbackQuery(
    new RegExp(`^${CodeKeypad.prefix}`),
    handlers.button((ctx) =>
      steps.keypad(ctx.seller.id, ctx.seller.telegramUserId, ctx.callbackQuery.message?.message_id ?? 0, ctx.callbackQuery.data)
    )
  )
  composer.callbackQuery(resendButton, handlers.button((ctx) => steps.resend(ctx.seller.telegramUserId)))
  return composer
}
