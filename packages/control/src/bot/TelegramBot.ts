/**
 * The grammY bot behind Vigia (its token and Bot API server given as options), with grammY's auto-retry plugin
 * waiting out Telegram's 429s and 5xx answers, and Effect wrappers for the Bot API calls the control plane makes.
 */
import { autoRetry } from "@grammyjs/auto-retry"
import { Config, Context, Effect, Layer, Redacted, Schedule, Schema } from "effect"
import { type Api, Bot, GrammyError } from "grammy"
import type { InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types"
import type { BotContext } from "./BotContext.ts"

/** Telegram answered the call with an error (after the retries): its code (0 when the answer gave none) and description. */
export class BotApiRefused extends Schema.TaggedError<BotApiRefused>()("BotApiRefused", {
  code: Schema.Int,
  description: Schema.String
}) {
  override get message() {
    return `${this.code} ${this.description}`
  }
}

/** The Bot API server could not be reached (after the retries). */
export class BotApiUnreachable extends Schema.TaggedError<BotApiUnreachable>()("BotApiUnreachable", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

export class TelegramBotError extends Schema.TaggedError<TelegramBotError>()("TelegramBotError", {
  method: Schema.String,
  reason: Schema.Union([BotApiRefused, BotApiUnreachable])
}) {
  override get message() {
    return `${this.method}: ${this.reason.message}`
  }

  /** Telegram unreachable, failing (5xx) or asking to wait (429): waiting fixes it. */
  get transient(): boolean {
    return this.reason._tag === "BotApiUnreachable" || this.reason.code === 429 || this.reason.code >= 500
  }
}

export interface TelegramBotOptions {
  readonly token: Redacted.Redacted<string>
  /** The Bot API server: Telegram's, a local Bot API server, or a fake in tests. */
  readonly apiRoot: string
}

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

export interface SendOptions {
  readonly replyMarkup?: ReplyMarkup
  readonly disablePreview?: boolean
}

/** The abort signal grammY's calls take (its own type for the same thing). */
type CallSignal = NonNullable<Parameters<Api["getMe"]>[0]>

/** A `retry_after` up to this long is waited out; a longer one reaches the caller (outbound pacing will replace it). */
const maxRetryAfterSeconds = 30
/** How many times a 429 or a 5xx is retried (5xx after 3, 6 and 12 seconds). */
const maxRetries = 3
/** A network failure is retried this many times, after 0.5, 1 and 2 seconds. */
const networkRetries = { times: 3, schedule: Schedule.exponential("500 millis") }

// Any error answer maps to a refusal, even one without Telegram's fields (an emulator's `{ message }`): a
// constructor that threw here would be a defect escaping every retry.
const toError = (method: string) => (cause: unknown) =>
  new TelegramBotError({
    method,
    reason: cause instanceof GrammyError
      ? new BotApiRefused({
        code: Number.isSafeInteger(cause.error_code) ? cause.error_code : 0,
        description: typeof cause.description === "string" ? cause.description : "an error answer without a description"
      })
      : new BotApiUnreachable({ detail: cause instanceof Error ? cause.message : String(cause) })
  })

const isNotModified = (error: TelegramBotError) =>
  error.reason._tag === "BotApiRefused" && error.reason.code === 400 &&
  error.reason.description.includes("message is not modified")

export class TelegramBot extends Context.Service<TelegramBot, {
  /** The grammY bot, for installing the middleware and feeding it updates. */
  readonly bot: Bot<BotContext>
  /** One Bot API call; interrupting the effect aborts the request. */
  readonly call: <A>(method: string, f: (api: Api, signal: CallSignal) => Promise<A>) => Effect.Effect<A, TelegramBotError>
  readonly send: (chatId: number, text: string, options?: SendOptions) => Effect.Effect<Message.TextMessage, TelegramBotError>
  /** Edits a message's text (and buttons); editing to the same content is not an error. */
  readonly edit: (chatId: number, messageId: number, text: string, options?: SendOptions) => Effect.Effect<void, TelegramBotError>
  readonly remove: (chatId: number, messageId: number) => Effect.Effect<void, TelegramBotError>
  /** Answers a button press, with a toast when `text` is given. */
  readonly answerButton: (queryId: string, text?: string) => Effect.Effect<void, TelegramBotError>
  /** Downloads a file a user sent (its text), by the `file_id` Telegram gave. */
  readonly downloadText: (fileId: string) => Effect.Effect<string, TelegramBotError>
}>()("@vigia/control/bot/TelegramBot") {
  static readonly layer = (options: TelegramBotOptions) => Layer.effect(TelegramBot, make(options))

  static readonly layerConfig = (config: Config.Wrap<TelegramBotOptions>) =>
    Layer.effect(TelegramBot, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: TelegramBotOptions) {
  const root = options.apiRoot.replace(/\/+$/, "")
  const bot = new Bot<BotContext>(Redacted.value(options.token), { client: { apiRoot: root } })
  // Network failures are retried below, a few times with a short backoff, not by the plugin (which would forever).
  bot.api.config.use(autoRetry({ maxDelaySeconds: maxRetryAfterSeconds, maxRetryAttempts: maxRetries, rethrowHttpErrors: true }))

  const call = <A>(method: string, f: (api: Api, signal: CallSignal) => Promise<A>) =>
    Effect.tryPromise({ try: (signal) => f(bot.api, signal as CallSignal), catch: toError(method) }).pipe(
      Effect.retry({ ...networkRetries, while: (error) => error.reason._tag === "BotApiUnreachable" })
    )

  const send = (chatId: number, text: string, options?: SendOptions) =>
    call("sendMessage", (api, signal) =>
      api.sendMessage(chatId, text, {
        ...(options?.replyMarkup === undefined ? {} : { reply_markup: options.replyMarkup }),
        ...(options?.disablePreview === true ? { link_preview_options: { is_disabled: true } } : {})
      }, signal))

  const edit = (chatId: number, messageId: number, text: string, options?: SendOptions) =>
    call("editMessageText", (api, signal) =>
      api.editMessageText(chatId, messageId, text, {
        ...(options?.replyMarkup === undefined || !("inline_keyboard" in options.replyMarkup)
          ? {}
          : { reply_markup: options.replyMarkup })
      }, signal)).pipe(
        Effect.asVoid,
        Effect.catchIf(isNotModified, () => Effect.void)
      )

  const remove = (chatId: number, messageId: number) =>
    call("deleteMessage", (api, signal) => api.deleteMessage(chatId, messageId, signal)).pipe(Effect.asVoid)

  const answerButton = (queryId: string, text?: string) =>
    call("answerCallbackQuery", (api, signal) =>
      api.answerCallbackQuery(queryId, text === undefined || text === "" ? {} : { text: text.slice(0, 190) }, signal)).pipe(
        Effect.asVoid
      )

  // The file URL embeds the token: built here, used here, never logged.
  const downloadText = (fileId: string) =>
    call("getFile", (api, signal) => api.getFile(fileId, signal)).pipe(
      Effect.flatMap((file) =>
        Effect.tryPromise({
          try: (signal) => fetch(`${root}/file/bot${Redacted.value(options.token)}/${file.file_path}`, { signal }),
          catch: toError("downloadFile")
        })
      ),
      Effect.flatMap((response) =>
        response.ok
          ? Effect.tryPromise({ try: () => response.text(), catch: toError("downloadFile") })
          : Effect.fail(
            new TelegramBotError({
              method: "downloadFile",
              reason: new BotApiRefused({ code: response.status, description: response.statusText })
            })
          )
      )
    )

  return TelegramBot.of({ bot, call, send, edit, remove, answerButton, downloadText })
})
