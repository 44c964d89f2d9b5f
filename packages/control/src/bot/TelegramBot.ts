/**
 * The grammY bot behind Vigia (its token and Bot API server given as options), and Effect wrappers for the Bot API
 * calls the control plane makes: every message paced under Telegram's flood limits (`OutboundPacer`), a 429's
 * `retry_after` waited out (unbounded for the callers that ask, such as order reports), 5xx and network failures
 * retried a few times.
 */
import { Config, Context, Duration, Effect, Layer, Metric, Redacted, Schedule, Schema } from "effect"
import { type Api, Bot, GrammyError } from "grammy"
import type { InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types"
import type { BotContext } from "./BotContext.ts"
import * as OutboundPacer from "./OutboundPacer.ts"

/** Telegram answered the call with an error (after the retries): its code (0 when the answer gave none) and description. */
export class BotApiRefused extends Schema.TaggedError<BotApiRefused>()("BotApiRefused", {
  code: Schema.Int,
  description: Schema.String,
  /** With a 429: the seconds Telegram asks to wait. */
  retryAfter: Schema.optionalKey(Schema.Int)
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
  /** The budgets messages are paced under; Telegram's published figures when not given. */
  readonly pacing?: OutboundPacer.PacingOptions
}

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

export interface SendOptions {
  readonly replyMarkup?: ReplyMarkup
  readonly disablePreview?: boolean
  /** The caller took the chat's turn already (`TelegramBot.ready`), to send what accumulated while it waited. */
  readonly turnTaken?: boolean
  /**
   * Waits out every 429, however long Telegram asks (order reports, kept in the ledger meanwhile). Without it a
   * wait past 30 seconds fails the call: an answer to what a seller just did is stale by then, and it would hold
   * up that seller's next updates.
   */
  readonly waitOutFloods?: boolean
}

/** The abort signal grammY's calls take (its own type for the same thing). */
type CallSignal = NonNullable<Parameters<Api["getMe"]>[0]>

/** Flood waits in all, for a call that does not wait them out: a longer one reaches the caller. */
const maxFloodWaitSeconds = 30
/** A 5xx is retried three times, after 3, 6 and 12 seconds. */
const serverErrorRetries = { times: 3, schedule: Schedule.exponential("3 seconds") }
/** A network failure is retried this many times, after 0.5, 1 and 2 seconds. */
const networkRetries = { times: 3, schedule: Schedule.exponential("500 millis") }

/** Telegram's 429s, by method: each one means the pacing let a message go too early. */
export const floodWaits = Metric.counter("vigia_bot_flood_waits_total", {
  description: "Bot API calls Telegram answered 429 (retry_after), by method",
  incremental: true
})

// Any error answer maps to a refusal, even one without Telegram's fields (an emulator's `{ message }`): a
// constructor that threw here would be a defect escaping every retry.
const toError = (method: string) => (cause: unknown) =>
  new TelegramBotError({
    method,
    reason: cause instanceof GrammyError
      ? new BotApiRefused({
        code: Number.isSafeInteger(cause.error_code) ? cause.error_code : 0,
        description: typeof cause.description === "string" ? cause.description : "an error answer without a description",
        ...(cause.parameters?.retry_after === undefined ? {} : { retryAfter: cause.parameters.retry_after })
      })
      : new BotApiUnreachable({ detail: cause instanceof Error ? cause.message : String(cause) })
  })

const isServerError = (error: TelegramBotError) => error.reason._tag === "BotApiRefused" && error.reason.code >= 500

/** The seconds a 429 asks to wait, if the error is one. */
const floodWaitOf = (error: TelegramBotError): number | undefined =>
  error.reason._tag === "BotApiRefused" && error.reason.code === 429 ? error.reason.retryAfter ?? 1 : undefined

const isNotModified = (error: TelegramBotError) =>
  error.reason._tag === "BotApiRefused" && error.reason.code === 400 &&
  error.reason.description.includes("message is not modified")

export class TelegramBot extends Context.Service<TelegramBot, {
  /** The grammY bot, for installing the middleware and feeding it updates. */
  readonly bot: Bot<BotContext>
  /** One Bot API call, not paced (no message sent); interrupting the effect aborts the request. */
  readonly call: <A>(method: string, f: (api: Api, signal: CallSignal) => Promise<A>) => Effect.Effect<A, TelegramBotError>
  /** Waits for the chat's turn to get a message; a `send` with `turnTaken` then uses it. */
  readonly ready: (chatId: number) => Effect.Effect<void>
  /** A message into the chat, paced. */
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
  const pacer = OutboundPacer.make(options.pacing ?? OutboundPacer.telegramFigures)

  const call = <A>(method: string, f: (api: Api, signal: CallSignal) => Promise<A>) =>
    Effect.tryPromise({ try: (signal) => f(bot.api, signal as CallSignal), catch: toError(method) }).pipe(
      Effect.retry({ ...networkRetries, while: (error) => error.reason._tag === "BotApiUnreachable" }),
      Effect.retry({ ...serverErrorRetries, while: isServerError })
    )

  /**
   * A call that sends a message into `chatId`: each try waits for its turn (`turn`, unless the caller took the first
   * one); a 429 pauses the chat for its `retry_after` and the call tries again, within 30 seconds of waits unless
   * `unbounded`.
   */
  const paced = <A>(method: string, chatId: number, turn: Effect.Effect<void>, f: (api: Api, signal: CallSignal) => Promise<A>, pacing: {
    readonly turnTaken: boolean
    readonly unbounded: boolean
  }) => {
    const attempt = (waited: number, first: boolean): Effect.Effect<A, TelegramBotError> =>
      (first && pacing.turnTaken ? Effect.void : turn).pipe(
        Effect.andThen(call(method, f)),
        Effect.catchIf((error) => floodWaitOf(error) !== undefined, (error) => {
          const seconds = floodWaitOf(error) ?? 1
          if (!pacing.unbounded && waited + seconds > maxFloodWaitSeconds) return Effect.fail(error)
          return Metric.update(Metric.withAttributes(floodWaits, { method }), 1).pipe(
            Effect.andThen(Effect.logWarning("Telegram asked the bot to slow down", { method, retryAfter: seconds })),
            Effect.andThen(pacer.pause(chatId, Duration.seconds(seconds))),
            Effect.andThen(Effect.suspend(() => attempt(waited + seconds, false)))
          )
        })
      )
    return attempt(0, true)
  }

  const send = (chatId: number, text: string, options?: SendOptions) =>
    paced("sendMessage", chatId, pacer.slot(chatId), (api, signal) =>
      api.sendMessage(chatId, text, {
        ...(options?.replyMarkup === undefined ? {} : { reply_markup: options.replyMarkup }),
        ...(options?.disablePreview === true ? { link_preview_options: { is_disabled: true } } : {})
      }, signal), { turnTaken: options?.turnTaken === true, unbounded: options?.waitOutFloods === true })

  // An edit sends no new message: it counts against the bot's overall budget only.
  const edit = (chatId: number, messageId: number, text: string, options?: SendOptions) =>
    paced("editMessageText", chatId, pacer.overallSlot, (api, signal) =>
      api.editMessageText(chatId, messageId, text, {
        ...(options?.replyMarkup === undefined || !("inline_keyboard" in options.replyMarkup)
          ? {}
          : { reply_markup: options.replyMarkup }),
        ...(options?.disablePreview === true ? { link_preview_options: { is_disabled: true } } : {})
      }, signal), { turnTaken: false, unbounded: false }).pipe(
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

  return TelegramBot.of({ bot, call, ready: pacer.slot, send, edit, remove, answerButton, downloadText })
})
