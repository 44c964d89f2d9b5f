/**
 * Answering what Telegram asks during a login: the code (typed with separators or on the keypad), the 2FA password,
 * the e-mail code, a new code; and `/cancelar`, which leaves whatever step the seller is in.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { type CommandError, ResendCode, SubmitCode, SubmitEmailCode, SubmitPassword } from "@vigia/protocol/Messages"
import { Context, Effect, Layer, Redacted } from "effect"
import { Composer } from "grammy"
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
import { ContainerManager } from "../../sessions/manager/ContainerManager.ts"
import { SessionGateway, type SessionUnavailable } from "../../sessions/SessionGateway.ts"
import { type AtStep, atStep, type BotContext } from "../BotContext.ts"
import * as CodeKeypad from "../CodeKeypad.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { type BotFailure, Handlers } from "../Handlers.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"

/** How many wrong codes or passwords a seller may type before the login starts over. */
export const maxAttempts = 5

/** Callback data of the button that asks Telegram for a new code. */
export const resendButton = "lg:resend"

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

export class LoginSteps extends Context.Service<LoginSteps, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/LoginSteps") {
  static readonly layer = Layer.effect(
    LoginSteps,
    Effect.gen(function*() {
      const conversations = yield* Conversations
      const gateway = yield* SessionGateway
      const sessions = yield* Sessions
      const manager = yield* ContainerManager
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      /** Keypad digits live in memory only: a login code is never stored. */
      const keypads = new Map<number, string>()

      /** Leaves the step the seller is in; a login that did not finish leaves nothing running. */
      const cancel = Effect.fn("LoginSteps.cancel")(function*(chatId: number) {
        keypads.delete(chatId)
        const step = yield* conversations.get(chatId)
        yield* conversations.set(chatId, new Idle())
        if (!("phone" in step)) return step._tag !== "Idle"
        yield* sessions.setDesired(step.phone, "stopped").pipe(Effect.ignore)
        yield* manager.stop(step.phone).pipe(Effect.ignore)
        return true
      })

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
          return yield* telegram.send(chatId, FailureTexts.codeExpired, {
            replyMarkup: { inline_keyboard: [[{ text: Texts.resendButton, callback_data: resendButton }]] }
          })
        }
        if (refusal === "TooManyAttempts") yield* cancel(chatId)
        return yield* telegram.send(chatId, loginFailed(error))
      })

      /** Submits a secret to the account's worker; Telegram's answer comes as the next login step or a refusal. */
      const submit = Effect.fnUntraced(function*(
        chatId: number,
        phone: PhoneNumber,
        attempts: number,
        request: SubmitCode | SubmitPassword | SubmitEmailCode,
        secret: Secret
      ) {
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone }))
        yield* gateway.call(phone, request).pipe(
          Effect.catchTags({
            CommandError: (error) => refused(chatId, attempts, error, secret),
            SessionUnavailable: (error) => telegram.send(chatId, loginFailed(error))
          })
        )
      })

      const submitCode = Effect.fnUntraced(function*(chatId: number, step: AwaitingCode, digits: string) {
        keypads.delete(chatId)
        if (digits === "") return yield* telegram.send(chatId, Texts.askCode(step.length, ""))
        yield* submit(chatId, step.phone, step.attempts, new SubmitCode({ code: Redacted.make(digits) }), {
          wrong: "CodeInvalid",
          askAgain: (attempts) => conversations.set(chatId, new AwaitingCode({ ...step, attempts })),
          wrongText: Texts.codeWrong
        })
      })

      /** A message that answers a step with a secret: it does not stay in the chat. */
      const secretMessage = <Tag extends "AwaitingCode" | "AwaitingPassword" | "AwaitingEmailCode">(
        answer: (chatId: number, step: AtStep<Tag>["step"], typed: string) => Effect.Effect<unknown, BotFailure>
      ) =>
      (ctx: AtStep<Tag>) =>
        telegram.remove(ctx.seller.telegramUserId, ctx.message.message_id).pipe(
          Effect.ignore,
          Effect.andThen(answer(ctx.seller.telegramUserId, ctx.step, ctx.message.text ?? "")),
          Effect.asVoid
        )

      const keypad = Effect.fn("LoginSteps.keypad")(function*(chatId: number, data: string) {
        const step = yield* conversations.get(chatId)
        const press = CodeKeypad.parse(data)
        if (step._tag !== "AwaitingCode" || press === undefined) return
        const digits = keypads.get(chatId) ?? ""
        const keypadMessage = step.keypadMessageId
        if (press._tag === "Submit") {
          if (keypadMessage !== null) {
            const hidden = Texts.keypadTyped("•".repeat(digits.length), digits.length)
            yield* telegram.edit(chatId, keypadMessage, hidden).pipe(Effect.ignore)
          }
          return yield* submitCode(chatId, step, digits)
        }
        const next = CodeKeypad.apply(digits, press, Math.max(step.length, 5))
        keypads.set(chatId, next)
        if (keypadMessage === null) return
        yield* telegram.edit(chatId, keypadMessage, Texts.keypadTyped(next, step.length), { replyMarkup: CodeKeypad.markup })
      })

      const resend = Effect.fn("LoginSteps.resend")(function*(chatId: number) {
        const step = yield* conversations.get(chatId)
        if (!("phone" in step)) return yield* telegram.send(chatId, Texts.nothingToCancel)
        return yield* gateway.call(step.phone, new ResendCode()).pipe(
          Effect.as(Texts.codeResent),
          Effect.catch((error) => Effect.succeed(loginFailed(error))),
          Effect.flatMap((text) => telegram.send(chatId, text))
        )
      })

      const composer = new Composer<BotContext>()
      composer.command(
        "cancelar",
        handlers.handle((ctx) =>
          cancel(ctx.seller.telegramUserId).pipe(
            Effect.flatMap((cancelled) => handlers.reply(ctx, cancelled ? Texts.loginCancelled : Texts.nothingToCancel))
          )
        )
      )
      composer.filter(
        atStep("AwaitingCode"),
        handlers.handle(secretMessage((chatId, step, typed) => submitCode(chatId, step, codeDigits(typed))))
      )
      composer.filter(
        atStep("AwaitingPassword"),
        handlers.handle(secretMessage((chatId, step, typed) =>
          submit(chatId, step.phone, step.attempts, new SubmitPassword({ password: Redacted.make(typed) }), {
            wrong: "PasswordInvalid",
            askAgain: (attempts) => conversations.set(chatId, new AwaitingPassword({ ...step, attempts })),
            wrongText: Texts.passwordWrong
          })
        ))
      )
      composer.filter(
        atStep("AwaitingEmailCode"),
        handlers.handle(secretMessage((chatId, step, typed) =>
          submit(chatId, step.phone, step.attempts, new SubmitEmailCode({ code: Redacted.make(codeDigits(typed)) }), {
            wrong: "EmailCodeInvalid",
            askAgain: (attempts) => conversations.set(chatId, new AwaitingEmailCode({ ...step, attempts })),
            wrongText: Texts.codeWrong
          })
        ))
      )
      composer.callbackQuery(
        new RegExp(`^${CodeKeypad.prefix}`),
        handlers.button((ctx) => Effect.asVoid(keypad(ctx.seller.telegramUserId, ctx.callbackQuery.data)))
      )
      composer.callbackQuery(resendButton, handlers.button((ctx) => Effect.asVoid(resend(ctx.seller.telegramUserId))))

      return LoginSteps.of({ composer })
    })
  )
}
