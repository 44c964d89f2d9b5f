/**
 * The HTTP concern as one layer: `/healthz`, `/readyz` over PostgreSQL and the bot's link to Telegram,
 * `/metrics`, and Telegram's webhook in webhook mode.
 */
import { Config, Effect, Layer, Option, Schema } from "effect"
import { BotUpdates } from "../bot/layer.ts"
import * as BotConfig from "../config/BotConfig.ts"
import * as HttpConfig from "../config/HttpConfig.ts"
import { Database } from "../data/Database.ts"
import { ControlMetrics } from "./ControlMetrics.ts"
import * as HttpEndpoint from "./HttpEndpoint.ts"
import { Readiness } from "./Readiness.ts"

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

const endpoint = Layer.unwrap(Effect.gen(function*() {
  const listener = yield* Config.unwrap(HttpConfig.listener)
  const webhook = yield* Config.unwrap(BotConfig.webhook)
  return HttpEndpoint.layer({ ...listener, webhook: Option.map(webhook.url, () => ({ secret: webhook.secret })) })
}))

export const layer = endpoint.pipe(Layer.provide(Layer.merge(readiness, ControlMetrics.layer)))
