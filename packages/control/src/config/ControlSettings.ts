/**
 * The control plane's own settings from the environment: which runtime runs the workers,
 * who the administrators are, the HTTP endpoint, and how polling or a webhook feeds the bot.
 */
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schema, SchemaGetter } from "effect"
import { RuntimeKind } from "../data/Sessions.ts"

export interface Settings {
  /** Where session workers run: `inline` with no Redis, else `process`, `docker` or `swarm`. */
  readonly runtime: RuntimeKind
  /** Telegram user ids allowed to use the admin commands. */
  readonly adminIds: ReadonlySet<number>
  readonly httpHost: string
  readonly httpPort: number
  /** A public URL for Telegram's webhook; long polling when absent. */
  readonly webhookUrl: Option.Option<string>
  readonly webhookSecret: Option.Option<Redacted.Redacted<string>>
  /** Updates a seller may send in `rateWindow` before the bot asks them to slow down. */
  readonly rateLimit: number
  readonly rateWindow: Duration.Duration
}

/** `ADMIN_TELEGRAM_IDS`: Telegram user ids separated by commas or spaces. */
const AdminIds = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[\s,]*(?:[0-9]{1,16}[\s,]*)*$/, { expected: "Telegram user ids separated by commas" })),
  Schema.decodeTo(Schema.Array(Schema.Int), {
    decode: SchemaGetter.transform((raw: string) => raw.split(/[\s,]+/).filter((id) => id !== "").map(Number)),
    encode: SchemaGetter.transform((ids: ReadonlyArray<number>) => ids.join(","))
  })
)

const WebhookUrl = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^https:\/\/[^\s]+$/, { expected: "an https:// URL Telegram can reach" }))
)

/** `inline` when no Redis is configured, `process` when one is; `CONTAINER_RUNTIME` overrides. */
const runtime = Effect.gen(function*() {
  const redis = yield* Config.option(Config.String("REDIS_URL"))
  return yield* Config.Literals(RuntimeKind.literals, "CONTAINER_RUNTIME").pipe(
    Config.withDefault(Option.isSome(redis) ? "process" : "inline")
  )
})

export class ControlSettings extends Context.Service<ControlSettings, Settings>()("@vigia/control/config/ControlSettings") {
  static readonly layer = Layer.effect(
    ControlSettings,
    Effect.gen(function*() {
      return ControlSettings.of({
        runtime: yield* runtime,
        adminIds: new Set(yield* Config.schema(AdminIds, "ADMIN_TELEGRAM_IDS").pipe(Config.withDefault([]))),
        httpHost: yield* Config.String("HTTP_HOST").pipe(Config.withDefault("0.0.0.0")),
        httpPort: yield* Config.Port("HTTP_PORT").pipe(Config.withDefault(8080)),
        webhookUrl: yield* Config.option(Config.schema(WebhookUrl, "WEBHOOK_URL")),
        webhookSecret: yield* Config.option(Config.Redacted("WEBHOOK_SECRET")),
        rateLimit: yield* Config.Int("BOT_RATE_LIMIT").pipe(Config.withDefault(20)),
        rateWindow: yield* Config.Duration("BOT_RATE_WINDOW").pipe(Config.withDefault(Duration.seconds(10)))
      })
    })
  )
}
