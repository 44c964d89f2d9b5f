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
import { Readiness } from "./Readiness.ts"

/** Telegram posts updates here when `WEBHOOK_URL` is set (its path must end with this). */
export const webhookPath = "/telegram/webhook"

export interface HttpEndpointOptions {
  readonly host: string
  readonly port: number
  /** Present in webhook mode: Telegram's updates are then accepted on `webhookPath`. */
  readonly webhook: Option.Option<{ readonly secret: Option.Option<Redacted.Redacted<string>> }>
}

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

const webhook = (secret: Option.Option<Redacted.Redacted<string>>) =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const updates = yield* BotUpdates
      yield* router.add("POST", webhookPath, Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const expected = Option.map(secret, Redacted.value)
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

/** Serves the routes on `host:port`; the webhook only when `options.webhook` is present. */
export const layer = (options: HttpEndpointOptions) => {
  const routes = Option.match(options.webhook, {
    onNone: () => Layer.mergeAll(health, ready, metrics),
    onSome: ({ secret }) => Layer.mergeAll(health, ready, metrics, webhook(secret))
  })
  return HttpRouter.serve(routes, { disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: options.host, port: options.port }))
  )
}

