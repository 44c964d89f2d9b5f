/**
 * The control plane's HTTP endpoint: `/healthz` (alive), `/readyz` (PostgreSQL, Redis and the
 * bot answer), `/metrics` (Prometheus text) and, in webhook mode, Telegram's webhook.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import type { Update } from "grammy/types"
import { createServer } from "node:http"
import { BotUpdates } from "../bot/layer.ts"
import { ControlMetrics } from "./ControlMetrics.ts"
import { ControlSettings } from "../config/ControlSettings.ts"
import { Readiness } from "./Readiness.ts"

/** Telegram posts updates here when `WEBHOOK_URL` is set (its path must end with this). */
export const webhookPath = "/telegram/webhook"

const health = HttpRouter.add("GET", "/healthz", HttpServerResponse.text("ok\n"))

const ready = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const readiness = yield* Readiness
    yield* router.add("GET", "/readyz", Effect.gen(function*() {
      const checks = yield* readiness.check
      const failing = checks.filter((check) => !check.ok)
      return HttpServerResponse.text(
        checks.map((check) => `${check.name}: ${check.ok ? "ok" : `failing (${check.detail})`}`).join("\n") + "\n",
        { status: failing.length === 0 ? 200 : 503 }
      )
    }))
  })
)

const webhook = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const settings = yield* ControlSettings
    const updates = yield* BotUpdates
    if (Option.isNone(settings.webhookUrl)) return
    yield* router.add("POST", webhookPath, Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const expected = Option.map(settings.webhookSecret, Redacted.value)
      const given = request.headers["x-telegram-bot-api-secret-token"]
      if (Option.isSome(expected) && given !== expected.value) return HttpServerResponse.empty({ status: 401 })
      const update = (yield* request.json) as unknown as Update
      yield* updates.dispatch(update)
      return HttpServerResponse.empty({ status: 200 })
    }).pipe(Effect.catch(() => Effect.succeed(HttpServerResponse.empty({ status: 400 })))))
  })
)

const metrics = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const gauges = yield* ControlMetrics
    yield* router.add("GET", "/metrics", gauges.sample.pipe(
      Effect.andThen(PrometheusMetrics.format()),
      Effect.map((text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" }))
    ))
  })
)

const routes = Layer.mergeAll(health, ready, webhook, metrics)

export const layer = Layer.unwrap(Effect.gen(function*() {
  const settings = yield* ControlSettings
  return HttpRouter.serve(routes, { disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: settings.httpHost, port: settings.httpPort }))
  )
}))

