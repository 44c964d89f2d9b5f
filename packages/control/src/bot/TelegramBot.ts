/**
 * The grammY bot behind Vigia: one `Bot` configured from the environment (token, API root),
 * that waits out Telegram's 429s, and Effect wrappers for the Bot API calls the control plane makes.
 */
import { Config, Context, Effect, Layer, Redacted, Schema } from "effect"
import { Api, Bot, GrammyError, type RawApi, type Transformer } from "grammy"
import type { InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types"

/** A Bot API call failed (after waiting out any 429): Telegram's code and description. */
export class TelegramBotError extends Schema.TaggedError<TelegramBotError>()("TelegramBotError", {
  method: Schema.String,
  code: Schema.Int,
  message: Schema.String
}) {}

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

export interface SendOptions {
  readonly replyMarkup?: ReplyMarkup
  readonly disablePreview?: boolean
}

const maxRetryAfterSeconds = 30
const maxRetries = 3

/**
 * Waits out a `429 Too Many Requests` (Telegram's `retry_after`) and retries, a few times; a
 * wait longer than `maxRetryAfterSeconds` is not waited for: the error reaches the caller.
 */
export const retryOn429: Transformer<RawApi> = async (previous, method, payload, signal) => {
  let response = await previous(method, payload, signal)
  for (let attempt = 1; attempt <= maxRetries && !response.ok && response.error_code === 429; attempt++) {
    const retryAfter = response.parameters?.retry_after ?? 1
    if (retryAfter > maxRetryAfterSeconds) break
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
    response = await previous(method, payload, signal)
  }
  return response
}

const toError = (method: string) => (cause: unknown) =>
  cause instanceof GrammyError
    ? new TelegramBotError({ method, code: cause.error_code, message: cause.description })
    : new TelegramBotError({ method, code: 0, message: cause instanceof Error ? cause.message : String(cause) })

const isNotModified = (error: TelegramBotError) => error.code === 400 && error.message.includes("message is not modified")

export class TelegramBot extends Context.Service<TelegramBot, {
  /** The grammY bot, for registering handlers and feeding it updates. */
  readonly bot: Bot
  /** One Bot API call; interrupting the effect aborts the request. */
  readonly call: <A>(method: string, f: (api: Api, signal: AbortSignal) => Promise<A>) => Effect.Effect<A, TelegramBotError>
  readonly send: (chatId: number, text: string, options?: SendOptions) => Effect.Effect<Message.TextMessage, TelegramBotError>
  /** Edits a message's text (and buttons); editing to the same content is not an error. */
  readonly edit: (chatId: number, messageId: number, text: string, options?: SendOptions) => Effect.Effect<void, TelegramBotError>
  readonly remove: (chatId: number, messageId: number) => Effect.Effect<void, TelegramBotError>
  /** Downloads a file a user sent (its text), by the `file_id` Telegram gave. */
  readonly downloadText: (fileId: string) => Effect.Effect<string, TelegramBotError>
}>()("@vigia/control/bot/TelegramBot") {
  static readonly layer = Layer.effect(
    TelegramBot,
    Effect.gen(function*() {
      const token = yield* Config.Redacted("BOT_TOKEN")
      const apiRoot = yield* Config.String("BOT_API_ROOT").pipe(Config.withDefault("https://api.telegram.org"))
      const root = apiRoot.replace(/\/+$/, "")
      const bot = new Bot(Redacted.value(token), { client: { apiRoot: root } })
      bot.api.config.use(retryOn429)

      const call = <A>(method: string, f: (api: Api, signal: AbortSignal) => Promise<A>) =>
        Effect.tryPromise({ try: (signal) => f(bot.api, signal), catch: toError(method) })

      const send = (chatId: number, text: string, options?: SendOptions) =>
        call("sendMessage", (api) =>
          api.sendMessage(chatId, text, {
            ...(options?.replyMarkup === undefined ? {} : { reply_markup: options.replyMarkup }),
            ...(options?.disablePreview === true ? { link_preview_options: { is_disabled: true } } : {})
          }))

      const edit = (chatId: number, messageId: number, text: string, options?: SendOptions) =>
        call("editMessageText", (api) =>
          api.editMessageText(chatId, messageId, text, {
            ...(options?.replyMarkup === undefined || !("inline_keyboard" in options.replyMarkup)
              ? {}
              : { reply_markup: options.replyMarkup })
          })).pipe(
            Effect.asVoid,
            Effect.catchIf(isNotModified, () => Effect.void)
          )

      const remove = (chatId: number, messageId: number) =>
        call("deleteMessage", (api) => api.deleteMessage(chatId, messageId)).pipe(Effect.asVoid)

      // The file URL embeds the token: built here, used here, never logged.
      const downloadText = (fileId: string) =>
        call("getFile", (api) => api.getFile(fileId)).pipe(
          Effect.flatMap((file) =>
            Effect.tryPromise({
              try: () =>
                fetch(`${root}/file/bot${Redacted.value(token)}/${file.file_path}`).then((response) =>
                  response.ok ? response.text() : Promise.reject(new Error(`download failed with HTTP ${response.status}`))
                ),
              catch: toError("downloadFile")
            })
          )
        )

      return TelegramBot.of({ bot, call, send, edit, remove, downloadText })
    })
  )
}
