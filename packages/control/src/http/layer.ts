/**
 * The HTTP concern as one layer: the operator's listener (`/healthz`, `/readyz` over PostgreSQL and the bot's link
 * to Telegram, `/metrics`) and, in webhook mode only, Telegram's webhook on a listener of its own.
 */
import { Config, Effect, Layer, Option, Schema } from "effect"
import { BotUpdates } from "../bot/layer.ts"
import * as BotConfig from "../config/BotConfig.ts"
import * as HttpConfig from "../config/HttpConfig.ts"
import { Database } from "../data/Database.ts"
import { ControlMetrics } from "./ControlMetrics.ts"
import * as MetricsEndpoint from "./MetricsEndpoint.ts"
import { Readiness } from "./Readiness.ts"
import * as WebhookEndpoint from "./WebhookEndpoint.ts"

class NotConnected extends Schema.TaggedError<NotConnected>()("NotConnected", {}) {
  override get message() {
    return "not connected to Telegram yet"
  }
}

const readiness = Layer.unwrap(Effect.gen(function*() {
  const database = yield* Database
  const updates = yield* BotUpdates
  return Readiness.layer([
    { name: "postgresql", probe: database.health },
    { name: "telegram", probe: Effect.filterOrFail(updates.ready, (ready) => ready, () => new NotConnected()) }
  ])
}))

const operator = Layer.unwrap(Effect.map(Config.unwrap(HttpConfig.metrics), MetricsEndpoint.layer)).pipe(
  Layer.provide(Layer.merge(readiness, ControlMetrics.layer))
)

const webhook = Layer.unwrap(Effect.gen(function*() {
  const listener = yield* Config.unwrap(HttpConfig.listener)
  const endpoint = yield* BotConfig.webhookEndpoint
  return Option.match(endpoint, {
    onNone: () => Layer.empty,
    onSome: ({ secret }) => WebhookEndpoint.layer({ ...listener, secret })
  })
}))

export const layer = Layer.merge(operator, webhook)
