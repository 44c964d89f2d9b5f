/**
 * Runs one command from `user-{phone}-commands` against TDLib and answers it: a typed
 * success or a `CommandError`, never a silent drop, within the command timeout.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Clock, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { kindOrder, toChat, toTelegramUser } from "./tdlib/FromTdlib.ts"
import type * as TdApi from "./tdlib/TdApi.ts"
import { Tdl } from "./tdlib/Tdl.ts"
import type { TdlError } from "./tdlib/TdlError.ts"
import { WatchedChats } from "./WatchedChats.ts"

/**
 * What a person types for a login code, as Telegram sees it: the digits. Separators
 * (`1 2 3 4 5`, `1-2-3-4-5`, `1a2b3c4d5`) dodge Telegram's invalidation of codes seen in a message.
 */
export const loginCodeDigits = (typed: Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.make(Redacted.value(typed).replace(/[^0-9]/g, ""))

/** `Too Many Requests: retry after 30` → 30. */
export const retryAfterSeconds = (message: string): Option.Option<number> => {
  const match = /retry after (\d+)/i.exec(message)
  return match?.[1] === undefined ? Option.none() : Option.some(Number(match[1]))
}

/**
 * TDLib's errors as they come (`400 PHONE_CODE_INVALID`); the worker's own: 504 when TDLib
 * did not answer in time, 503 when TDLib is closed, 502 when its answer made no sense.
 */
export const commandError = (error: TdlError): Messages.CommandError => {
  const reason = error.reason
  switch (reason._tag) {
    case "TdlibFailure":
      return new Messages.CommandError({
        code: reason.code,
        message: reason.message,
        ...Option.match(retryAfterSeconds(reason.message), {
          onNone: () => ({}),
          onSome: (seconds) => ({ retryAfterSeconds: seconds })
        })
      })
    case "TdlTimeout":
      return new Messages.CommandError({ code: 504, message: error.message })
    case "TdlClosed":
      return new Messages.CommandError({ code: 503, message: error.message })
    case "TdlUnexpectedAnswer":
    case "TdlStartFailed":
      return new Messages.CommandError({ code: 502, message: error.message })
  }
}

export interface CommandProcessorOptions {
  /** The account the worker serves: a login for another number is refused. */
  readonly phone: PhoneNumber
  /** The longest a command may take, and may have waited in the queue. */
  readonly commandTimeout: Duration.Duration
}

/** How long a log out may take to close TDLib. */
const closeTimeout = Duration.seconds(20)

export class CommandProcessor extends Context.Service<CommandProcessor, {
  /** Runs the command of `message` and answers it; never fails. */
  readonly respond: (message: Messages.CommandMessage) => Effect.Effect<Messages.Response>
}>()("@vigia/session-worker/CommandProcessor") {
  static readonly layer = (options: CommandProcessorOptions): Layer.Layer<CommandProcessor, never, Tdl | WatchedChats> =>
    Layer.effect(
      CommandProcessor,
      Effect.gen(function*() {
        const tdl = yield* Tdl
        const watched = yield* WatchedChats

        const invoke = <const R extends TdApi.AnyRequest>(request: R) =>
          tdl.invoke(request).pipe(Effect.mapError(commandError))

        const ok = Effect.void

        const handlers: Messages.CommandHandlers<never> = {
          StartLogin: ({ phoneNumber }) =>
            phoneNumber !== options.phone
              ? Effect.fail(
                new Messages.CommandError({
                  code: 400,
                  message: `PHONE_NUMBER_MISMATCH: this worker serves ${mask(options.phone)}`
                })
              )
              : invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${phoneNumber}` }).pipe(Effect.andThen(ok)),

          ResendCode: () => invoke({ _: "resendAuthenticationCode" }).pipe(Effect.andThen(ok)),

          SubmitCode: ({ code }) =>
            invoke({ _: "checkAuthenticationCode", code: Redacted.value(loginCodeDigits(code)) }).pipe(Effect.andThen(ok)),

          SubmitEmailCode: ({ code }) =>
            invoke({
              _: "checkAuthenticationEmailCode",
              code: { _: "emailAddressAuthenticationCode", code: Redacted.value(code).trim() }
            }).pipe(Effect.andThen(ok)),

          SubmitPassword: ({ password }) =>
            invoke({ _: "checkAuthenticationPassword", password: Redacted.value(password) }).pipe(Effect.andThen(ok)),

          LogOut: () =>
            invoke({ _: "logOut" }).pipe(
              Effect.andThen(tdl.closed.pipe(
                Effect.timeoutOrElse({
                  duration: closeTimeout,
                  orElse: () =>
                    Effect.fail(new Messages.CommandError({ code: 504, message: "TDLib did not close after logging out" }))
                })
              ))
            ),

          GetChats: ({ limit }) =>
            Effect.gen(function*() {
              yield* invoke({ _: "loadChats", chat_list: { _: "chatListMain" }, limit }).pipe(
                // 404: every chat is loaded already.
                Effect.catchIf((error) => error.code === 404, () => Effect.void)
              )
              const list = yield* invoke({ _: "getChats", chat_list: { _: "chatListMain" }, limit })
              const chats = yield* Effect.forEach(list.chat_ids, (id) => invoke({ _: "getChat", chat_id: id }))
              return chats.map(toChat).sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind])
            }),

          GetChat: ({ chatId }) => invoke({ _: "getChat", chat_id: chatId }).pipe(Effect.map(toChat)),

          SendMessage: ({ chatId, text, replyToMessageId }) =>
            invoke({
              _: "sendMessage",
              chat_id: chatId,
              ...(replyToMessageId === undefined
                ? {}
                : { reply_to: { _: "inputMessageReplyToMessage", message_id: replyToMessageId } }),
              input_message_content: { _: "inputMessageText", text: { _: "formattedText", text } }
            }).pipe(Effect.map((message) => new Messages.SentMessage({ chatId: message.chat_id, messageId: message.id }))),

          GetMe: () => invoke({ _: "getMe" }).pipe(Effect.flatMap((user) => toTelegramUser(user, options.phone))),

          SetWatchedChats: ({ chatIds }) =>
            Effect.gen(function*() {
              const { added, removed } = yield* watched.set(chatIds)
              const state = yield* tdl.authorizationState
              if (state._ !== "authorizationStateReady") return
              // TDLib sends every update of a supergroup or channel only while the chat is open.
              yield* Effect.forEach(added, (id) => invoke({ _: "openChat", chat_id: id }).pipe(Effect.ignore), {
                discard: true
              })
              yield* Effect.forEach(removed, (id) => invoke({ _: "closeChat", chat_id: id }).pipe(Effect.ignore), {
                discard: true
              })
            }),

          Ping: () => ok
        }

        const timedOut = (message: Messages.CommandMessage) =>
          Messages.fail(
            message,
            new Messages.CommandError({
              code: 504,
              message: `${message.command._tag} did not finish within ${Duration.format(options.commandTimeout)}`
            })
          )

        /**
         * A command that waited in the queue longer than a command may take (the worker was down, say) is not
         * run: whoever sent it has given up, and a late send-message would surprise everyone.
         */
        const expired = (message: Messages.CommandMessage, age: number) =>
          Messages.fail(
            message,
            new Messages.CommandError({
              code: 408,
              message: `COMMAND_EXPIRED: ${message.command._tag} waited ${Math.round(age / 1000)} s in the queue`
            })
          )

        const respond = Effect.fn("CommandProcessor.respond")(function*(message: Messages.CommandMessage) {
          const started = yield* Clock.currentTimeMillis
          const age = started - message.timestamp
          const response = age > Duration.toMillis(options.commandTimeout)
            ? yield* expired(message, age)
            : yield* Messages.respondWith(message, handlers).pipe(
              Effect.timeoutOrElse({ duration: options.commandTimeout, orElse: () => timedOut(message) })
            )
          const result = response.result
          const outcome = result._tag === "Succeeded" ? "succeeded" : `failed: ${result.code} ${result.message}`
          yield* Effect.logInfo(`${message.command._tag} ${outcome}`).pipe(
            Effect.annotateLogs({ requestId: message.requestId, durationMs: (yield* Clock.currentTimeMillis) - started })
          )
          return response
        })

        return CommandProcessor.of({ respond })
      })
    )
}
