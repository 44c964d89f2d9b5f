/**
 * The operator's listener, on loopback unless told otherwise: `/healthz` (alive), `/readyz` (PostgreSQL and the
 * bot's link to Telegram answer: ok or failing, the reason only in the log) and `/metrics` (Prometheus text).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { createServer } from "node:http"
import { ControlMetrics } from "./ControlMetrics.ts"
import { Readiness } from "./Readiness.ts"

export interface MetricsEndpointOptions {
  readonly host: string
  readonly port: number
}

const health = HttpRouter.add("GET", "/healthz", HttpServerResponse.text("ok\n"))

const ready = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const readiness = yield* Readiness
    yield* router.add("GET", "/readyz", Effect.gen(function*() {
      const checks = yield* readiness.check
      const failing = checks.filter((check) => !check.ok)
      if (failing.length > 0) {
        yield* Effect.logWarning("not ready").pipe(
          Effect.annotateLogs(Object.fromEntries(failing.map((check) => [check.name, check.detail])))
        )
      }
      return HttpServerResponse.text(
        checks.map((check) => `${check.name}: ${check.ok ? "ok" : "failing"}`).join("\n") + "\n",
        { status: failing.length === 0 ? 200 : 503 }
      )
    }))
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

/** Serves health, readiness and metrics on `host:port`. */
export const layer = (options: MetricsEndpointOptions) =>
  HttpRouter.serve(Layer.mergeAll(health, ready, metrics), { disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: options.host, port: options.port }))
  )
