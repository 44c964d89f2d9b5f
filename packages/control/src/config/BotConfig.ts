/**
 * The bot's configuration from the environment: its token and Bot API server, its outbound pacing, the
 * administrators, the per-seller rate limit, the webhook (which the webhook's listener reads too), polling, logins,
 * the support contact and the plans' prices.
 */
import { Region } from "@vigia/domain/PhoneNumber"
import { Config, Duration, Option, Schema, SchemaGetter } from "effect"
import type { PaymentsOptions } from "../bot/features/Payments.ts"
import type { PacingOptions } from "../bot/OutboundPacer.ts"
import type { SupportOptions } from "../bot/Support.ts"
import { required } from "./SessionsConfig.ts"

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

/** What Telegram accepts as a webhook's `secret_token`: 1 to 256 letters, digits, `_` or `-`. */
const WebhookSecret = Schema.Redacted(Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,256}$/, { expected: "1 to 256 letters, digits, _ or -" }))
))

const webhookUrl = Config.option(Config.schema(WebhookUrl, "WEBHOOK_URL"))

/** `WEBHOOK_SECRET`, required whenever `WEBHOOK_URL` is set: without it anyone could post updates as any user. */
const webhookSecret = webhookUrl.pipe(
  Config.flatMap((url) => {
    const secret = Config.schema(WebhookSecret, "WEBHOOK_SECRET")
    return Option.isNone(url)
      ? Config.option(secret)
      : required(secret, "WEBHOOK_SECRET", "required with WEBHOOK_URL: Telegram sends it with every update (1 to 256 letters, digits, _ or -)")
        .pipe(Config.map(Option.some))
  })
)

/**
 * `WEBHOOK_URL` (an `https://` URL; long polling when unset) and `WEBHOOK_SECRET` (the header Telegram sends
 * with each update, checked by the webhook's listener; required with `WEBHOOK_URL`).
 */
export const webhook = { url: webhookUrl, secret: webhookSecret }

/** The webhook's URL and secret together, in webhook mode; none in long polling mode. */
export const webhookEndpoint = Config.all(webhook).pipe(
  Config.map(({ secret, url }) => Option.zipWith(url, secret, (url, secret) => ({ url, secret })))
)

/**
 * `BOT_POLL_TIMEOUT` (default 25 seconds): how long Telegram holds a long poll with nothing to hand; readiness
 * fails when no `getUpdates` was answered within twice that and ten seconds.
 */
export const polling = {
  timeout: Config.Duration("BOT_POLL_TIMEOUT").pipe(Config.withDefault(Duration.seconds(25)))
}

/**
 * Logins: the region of numbers typed without a country code (`PHONE_DEFAULT_REGION`, default `BR`), how long a
 * login may take before it is stopped (`LOGIN_TIMEOUT`, default 10 minutes), and how many logins a seller may start
 * (`LOGIN_RATE_LIMIT`, default 5) in each `LOGIN_RATE_WINDOW` (default 1 hour).
 */
export const login = {
  defaultRegion: Config.schema(Region, "PHONE_DEFAULT_REGION").pipe(Config.withDefault(Schema.decodeSync(Region)("BR"))),
  timeout: Config.Duration("LOGIN_TIMEOUT").pipe(Config.withDefault(Duration.minutes(10))),
  attempts: Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "LOGIN_RATE_LIMIT").pipe(Config.withDefault(5)),
  window: Config.Duration("LOGIN_RATE_WINDOW").pipe(Config.withDefault(Duration.hours(1)))
}

/** `SUPPORT_CONTACT`: who sellers are told to talk to (`@user`, an e-mail, a link), one line; none by default. */
export const support: Config.Wrap<SupportOptions> = {
  contact: Config.option(
    Config.schema(
      Schema.String.pipe(Schema.check(Schema.isPattern(/^[^\r\n]{1,200}$/, { expected: "one line of at most 200 characters" }))),
      "SUPPORT_CONTACT"
    )
  ).pipe(Config.map(Option.filter((contact) => contact.trim() !== "")), Config.map(Option.map((contact) => contact.trim())))
}

const stars = (name: string, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100_000 })), name).pipe(Config.withDefault(fallback))

/** `PLAN_PRICE_BASIC_STARS` (default 300) and `PLAN_PRICE_PREMIUM_STARS` (default 900): 30 days of a plan, in Telegram Stars; 0 is not sold. */
export const payments: Config.Wrap<PaymentsOptions> = {
  prices: Config.all({ basic: stars("PLAN_PRICE_BASIC_STARS", 300), premium: stars("PLAN_PRICE_PREMIUM_STARS", 900) })
}

/** The bot's whole area, for the control plane's configuration and its check. */
export const bot = { telegram, guard, rateLimit, webhook, polling, login, support, payments }
