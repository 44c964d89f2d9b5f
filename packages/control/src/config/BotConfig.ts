/**
 * The bot's configuration from the environment: its token and Bot API server, its outbound pacing, the
 * administrators, the per-seller rate limit, and the webhook (which the HTTP endpoint reads too).
 */
import { Config, Duration, Schema, SchemaGetter } from "effect"
import type { PacingOptions } from "../bot/OutboundPacer.ts"

/** A positive rate, fractions allowed (`0.5`: one message every two seconds). */
const rate = (name: string, fallback: number) =>
  Config.schema(Schema.Number.check(Schema.isGreaterThan(0)), name).pipe(Config.withDefault(fallback))

/**
 * The bot's outbound pacing, Telegram's published figures by default: `BOT_SEND_RATE` messages a second in all
 * (30), `BOT_CHAT_RATE` a second into one chat (1), `BOT_GROUP_RATE` a minute into one group (20).
 */
export const pacing: Config.Config<PacingOptions> = Config.all({
  overall: rate("BOT_SEND_RATE", 30).pipe(Config.map((messages) => ({ messages, per: Duration.seconds(1), burst: Math.max(1, Math.floor(messages)) }))),
  chat: rate("BOT_CHAT_RATE", 1).pipe(Config.map((messages) => ({ messages, per: Duration.seconds(1), burst: 1 }))),
  group: rate("BOT_GROUP_RATE", 20).pipe(Config.map((messages) => ({ messages, per: Duration.minutes(1), burst: 1 })))
})

/** `BOT_TOKEN` (required), `BOT_API_ROOT` (default `https://api.telegram.org`), and the pacing above. */
export const telegram = {
  token: Config.schema(Schema.Redacted(Schema.NonEmptyString), "BOT_TOKEN"),
  apiRoot: Config.String("BOT_API_ROOT").pipe(Config.withDefault("https://api.telegram.org")),
  pacing
}

/** `ADMIN_TELEGRAM_IDS`: Telegram user ids separated by commas or spaces. */
const AdminIds = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[\s,]*(?:[0-9]{1,16}[\s,]*)*$/, { expected: "Telegram user ids separated by commas" })),
  Schema.decodeTo(Schema.Array(Schema.Int), {
    decode: SchemaGetter.transform((raw: string) => raw.split(/[\s,]+/).filter((id) => id !== "").map(Number)),
    encode: SchemaGetter.transform((ids: ReadonlyArray<number>) => ids.join(","))
  })
)

/** The Telegram users allowed to run the admin commands (`ADMIN_TELEGRAM_IDS`, none by default). */
export const guard = {
  adminIds: Config.schema(AdminIds, "ADMIN_TELEGRAM_IDS").pipe(
    Config.withDefault([]),
    Config.map((ids): ReadonlySet<number> => new Set(ids))
  )
}

/** `BOT_RATE_LIMIT` updates (at least 1, default 20) per seller in each `BOT_RATE_WINDOW` (default 10 seconds). */
export const rateLimit = {
  limit: Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "BOT_RATE_LIMIT").pipe(Config.withDefault(20)),
  window: Config.Duration("BOT_RATE_WINDOW").pipe(Config.withDefault(Duration.seconds(10)))
}

const WebhookUrl = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^https:\/\/[^\s]+$/, { expected: "an https:// URL Telegram can reach" }))
)

/**
 * `WEBHOOK_URL` (an `https://` URL; long polling when unset) and `WEBHOOK_SECRET` (the header Telegram sends
 * with each update, checked by the HTTP endpoint).
 */
export const webhook = {
  url: Config.option(Config.schema(WebhookUrl, "WEBHOOK_URL")),
  secret: Config.option(Config.Redacted("WEBHOOK_SECRET"))
}

/** The bot's whole area, for the control plane's configuration and its check. */
export const bot = { telegram, guard, rateLimit, webhook }
