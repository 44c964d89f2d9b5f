/**
 * The seller's side of logging in: `/login`, the phone number, the login code (typed with
 * separators or on the keypad), the 2FA password, resending, cancelling, and `/logout`.
 */
import * as PhoneNumber from "@vigia/domain/PhoneNumber"
import { canStartSession } from "@vigia/domain/Subscription"
import { type CommandError, LogOut, ResendCode, StartLogin, SubmitCode, SubmitEmailCode, SubmitPassword } from "@vigia/protocol/Messages"
import { Clock, Context, Effect, Layer, Redacted } from "effect"
import { AuditLog } from "../../data/AuditLog.ts"
import { maxAttempts } from "../BotNotifier.ts"
import * as CodeKeypad from "../CodeKeypad.ts"
import { ContainerManager, type StartStep } from "../../sessions/manager/ContainerManager.ts"
import {
  AwaitingCode,
  AwaitingEmailCode,
  AwaitingLoginStep,
  AwaitingPassword,
  AwaitingPhone,
  Conversations,
  Idle
} from "../../data/Conversations.ts"
import { EventProcessor } from "../../events/EventProcessor.ts"
import { SessionGateway } from "../../sessions/SessionGateway.ts"
import { Sessions } from "../../data/Sessions.ts"
import { Subscriptions } from "../../data/Subscriptions.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import type { UserId } from "../../data/UserId.ts"
import { Users } from "../../data/Users.ts"

/** Digits of a login code as a person types it to dodge Telegram's check (`1 2 3 4 5`, `1-2-3-4-5`). */
export const codeDigits = (typed: string): string => typed.replace(/[^0-9]/g, "")

const progressText = (step: StartStep) =>
  step._tag === "Ready" ? Texts.waitingTelegram : Texts.startingSession

export class LoginFlow extends Context.Service<LoginFlow, {
  readonly begin: (chatId: number, userId: UserId) => Effect.Effect<void, unknown>
  readonly phone: (chatId: number, userId: UserId, typed: string) => Effect.Effect<void, unknown>
  readonly code: (chatId: number, step: AwaitingCode, typed: string, messageId: number) => Effect.Effect<void, unknown>
  readonly keypad: (chatId: number, step: AwaitingCode, data: string) => Effect.Effect<void, unknown>
  readonly password: (chatId: number, step: AwaitingPassword, typed: string, messageId: number) => Effect.Effect<void, unknown>
  readonly emailCode: (chatId: number, step: AwaitingEmailCode, typed: string, messageId: number) => Effect.Effect<void, unknown>
  readonly resend: (chatId: number) => Effect.Effect<void, unknown>
  /** Leaves a login in progress: its worker is stopped, nothing else changes. */
  readonly cancel: (chatId: number) => Effect.Effect<boolean, unknown>
  readonly logout: (chatId: number, userId: UserId) => Effect.Effect<void, unknown>
}>()("@vigia/control/bot/features/LoginFlow") {
  static readonly layer = Layer.effect(
    LoginFlow,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const conversations = yield* Conversations
      const gateway = yield* SessionGateway
      const manager = yield* ContainerManager
      const sessions = yield* Sessions
      const events = yield* EventProcessor
      const users = yield* Users
      const subscriptions = yield* Subscriptions
      const audit = yield* AuditLog
      /** Keypad digits live in memory only: a login code is never stored. */
      const keypads = new Map<number, string>()

      const sessionMessage = (error: { readonly message: string }) => error.message

      const begin = Effect.fn("LoginFlow.begin")(function*(chatId: number, userId: UserId) {
        const { subscription } = yield* subscriptions.current(userId)
        const now = new Date(yield* Clock.currentTimeMillis)
        const refusal = yield* Effect.flip(canStartSession(subscription.terms, now)).pipe(Effect.option)
        if (refusal._tag === "Some") return yield* telegram.send(chatId, refusal.value.message)
        const user = yield* users.get(userId)
        if (user.telegramAccountId !== null && user.phoneNumber !== null) {
          const session = yield* sessions.get(user.phoneNumber).pipe(Effect.option)
          if (session._tag === "Some" && session.value.desiredState === "running" && session.value.observedState === "authorized") {
            return yield* telegram.send(chatId, Texts.alreadyConnected)
          }
        }
        yield* conversations.set(chatId, new AwaitingPhone())
        return yield* telegram.send(chatId, Texts.askPhone, {
          replyMarkup: {
            keyboard: [[{ text: Texts.sharePhoneButton, request_contact: true }]],
            resize_keyboard: true,
            one_time_keyboard: true
          }
        })
      }, Effect.asVoid)

      const phone = Effect.fn("LoginFlow.phone")(function*(chatId: number, userId: UserId, typed: string) {
        const parsed = yield* PhoneNumber.normalize(typed).pipe(Effect.result)
        if (parsed._tag === "Failure") return yield* telegram.send(chatId, parsed.failure.message)
        const number = parsed.success
        const registered = yield* sessions.register(userId, number, manager.runtime).pipe(
          Effect.catchTag("SessionsError", (error) =>
            error.reason._tag === "PhoneInUse" ? Effect.succeed(undefined) : Effect.fail(error))
        )
        if (registered === undefined) return yield* telegram.send(chatId, Texts.phoneInUse)
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: number }))
        yield* audit.append({ userId, action: "login", details: { phone: PhoneNumber.mask(number), step: "started" } })
        const progress = yield* telegram.send(chatId, Texts.startingSession, { replyMarkup: { remove_keyboard: true } })
        const report = (step: StartStep) =>
          telegram.edit(chatId, progress.message_id, progressText(step)).pipe(Effect.ignore)
        yield* events.register(number)
        const started = yield* manager.start(number, report).pipe(Effect.result)
        if (started._tag === "Failure") {
          yield* conversations.set(chatId, new Idle())
          yield* sessions.setDesired(number, "stopped").pipe(Effect.ignore)
          return yield* telegram.edit(chatId, progress.message_id, Texts.startFailed(sessionMessage(started.failure)))
        }
        yield* report({ _tag: "Ready", reused: false })
        const login = yield* gateway.call(number, new StartLogin({ phoneNumber: number })).pipe(Effect.result)
        if (login._tag === "Failure") {
          yield* conversations.set(chatId, new Idle())
          return yield* telegram.send(chatId, loginError(login.failure))
        }
      }, Effect.asVoid)

      const loginError = (error: CommandError | { readonly _tag: "SessionUnavailable"; readonly message: string }) => {
        if (error._tag === "SessionUnavailable") return error.message
        if (error.code === 429) return Texts.tooManyAttempts(error.retryAfterSeconds)
        if (error.message.includes("PHONE_NUMBER_INVALID")) return "O Telegram não reconheceu esse número. Confira e use /login de novo."
        if (error.message.includes("PHONE_NUMBER_BANNED")) return "O Telegram informou que esse número está banido."
        return `O Telegram recusou: ${error.message}`
      }

      /** Submits a secret (code or password) and handles Telegram's answer the same way for each kind. */
      const submit = Effect.fnUntraced(function*(
        chatId: number,
        attempts: number,
        request: Effect.Effect<void, CommandError | { readonly _tag: "SessionUnavailable"; readonly message: string }>,
        wrong: { readonly errorText: string; readonly retry: (attempts: number) => Effect.Effect<void, unknown>; readonly message: (left: number) => string }
      ) {
        const outcome = yield* Effect.result(request)
        if (outcome._tag === "Success") return
        const error = outcome.failure
        if (error._tag === "CommandError" && error.message.includes(wrong.errorText)) {
          const used = attempts + 1
          if (used >= maxAttempts) {
            yield* cancel(chatId)
            return yield* telegram.send(chatId, Texts.tooManyAttempts(undefined))
          }
          yield* wrong.retry(used)
          return yield* telegram.send(chatId, wrong.message(maxAttempts - used))
        }
        if (error._tag === "CommandError" && error.message.includes("PHONE_CODE_EXPIRED")) {
          return yield* telegram.send(chatId, Texts.codeExpired, {
            replyMarkup: { inline_keyboard: [[{ text: Texts.resendButton, callback_data: "lg:resend" }]] }
          })
        }
        if (error._tag === "CommandError" && error.code === 429) yield* cancel(chatId)
        return yield* telegram.send(chatId, loginError(error))
      })

      const submitCode = Effect.fnUntraced(function*(chatId: number, step: AwaitingCode, digits: string) {
        keypads.delete(chatId)
        if (digits === "") return yield* telegram.send(chatId, Texts.askCode(step.length, ""))
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: step.phone }))
        yield* submit(
          chatId,
          step.attempts,
          gateway.call(step.phone, new SubmitCode({ code: Redacted.make(digits) })),
          {
            errorText: "PHONE_CODE_INVALID",
            retry: (attempts) => conversations.set(chatId, new AwaitingCode({ ...step, attempts })),
            message: Texts.codeWrong
          }
        )
      })

      const code = Effect.fn("LoginFlow.code")(function*(chatId: number, step: AwaitingCode, typed: string, messageId: number) {
        // The message holds a login code: it does not stay in the chat.
        yield* telegram.remove(chatId, messageId).pipe(Effect.ignore)
        yield* submitCode(chatId, step, codeDigits(typed))
      })

      const keypad = Effect.fn("LoginFlow.keypad")(function*(chatId: number, step: AwaitingCode, data: string) {
        const press = CodeKeypad.parse(data)
        if (press === undefined) return
        const digits = keypads.get(chatId) ?? ""
        if (press._tag === "Submit") {
          if (step.keypadMessageId !== null) {
            yield* telegram.edit(chatId, step.keypadMessageId, Texts.keypadTyped("•".repeat(digits.length), digits.length)).pipe(Effect.ignore)
          }
          return yield* submitCode(chatId, step, digits)
        }
        const next = CodeKeypad.apply(digits, press, Math.max(step.length, 5))
        keypads.set(chatId, next)
        if (step.keypadMessageId !== null) {
          yield* telegram.edit(chatId, step.keypadMessageId, Texts.keypadTyped(next, step.length), { replyMarkup: CodeKeypad.markup })
        }
      })

      const password = Effect.fn("LoginFlow.password")(function*(chatId: number, step: AwaitingPassword, typed: string, messageId: number) {
        yield* telegram.remove(chatId, messageId).pipe(Effect.ignore)
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: step.phone }))
        yield* submit(
          chatId,
          step.attempts,
          gateway.call(step.phone, new SubmitPassword({ password: Redacted.make(typed) })),
          {
            errorText: "PASSWORD_HASH_INVALID",
            retry: (attempts) => conversations.set(chatId, new AwaitingPassword({ ...step, attempts })),
            message: Texts.passwordWrong
          }
        )
      })

      const emailCode = Effect.fn("LoginFlow.emailCode")(function*(chatId: number, step: AwaitingEmailCode, typed: string, messageId: number) {
        yield* telegram.remove(chatId, messageId).pipe(Effect.ignore)
        yield* conversations.set(chatId, new AwaitingLoginStep({ phone: step.phone }))
        yield* submit(
          chatId,
          step.attempts,
          gateway.call(step.phone, new SubmitEmailCode({ code: Redacted.make(codeDigits(typed)) })),
          {
            errorText: "EMAIL_CODE_INVALID",
            retry: (attempts) => conversations.set(chatId, new AwaitingEmailCode({ ...step, attempts })),
            message: Texts.codeWrong
          }
        )
      })

      const resend = Effect.fn("LoginFlow.resend")(function*(chatId: number) {
        const step = yield* conversations.get(chatId)
        if (!("phone" in step)) return yield* telegram.send(chatId, Texts.nothingToCancel)
        const outcome = yield* gateway.call(step.phone, new ResendCode()).pipe(Effect.result)
        return yield* telegram.send(chatId, outcome._tag === "Success" ? Texts.codeResent : loginError(outcome.failure))
      }, Effect.asVoid)

      const cancel = Effect.fn("LoginFlow.cancel")(function*(chatId: number) {
        keypads.delete(chatId)
        const step = yield* conversations.get(chatId)
        yield* conversations.set(chatId, new Idle())
        if (!("phone" in step)) return step._tag !== "Idle"
        // A login that did not finish leaves nothing running.
        yield* sessions.setDesired(step.phone, "stopped").pipe(Effect.ignore)
        yield* manager.stop(step.phone).pipe(Effect.ignore)
        return true
      })

      const logout = Effect.fn("LoginFlow.logout")(function*(chatId: number, userId: UserId) {
        const user = yield* users.get(userId)
        if (user.phoneNumber === null) return yield* telegram.send(chatId, Texts.notConnected)
        const number = user.phoneNumber
        // Desired state first, so the worker's `LoggedOut` is not taken for a logout elsewhere.
        yield* sessions.setDesired(number, "stopped").pipe(Effect.ignore)
        yield* gateway.call(number, new LogOut()).pipe(
          Effect.catchCause((cause) => Effect.logWarning("log out through the worker failed; stopping it anyway", cause))
        )
        yield* manager.stop(number)
        yield* users.recordLogout(userId)
        yield* conversations.set(chatId, new Idle())
        return yield* telegram.send(chatId, Texts.loggedOut)
      }, Effect.asVoid)

      return LoginFlow.of({ begin, phone, code, keypad, password, emailCode, resend, cancel, logout })
    })
  )
}
