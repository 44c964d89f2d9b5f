import { assert, it } from "@effect/vitest"
import { Effect, Option, Tracer } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Tracing from "../../src/observability/Tracing.ts"

/** An OTLP/HTTP collector on loopback that keeps what it is sent, by path. */
const collector = Effect.acquireRelease(
  Effect.callback<{ readonly server: Http.Server; readonly received: Array<{ readonly path: string; readonly body: string }> }>((resume) => {
    const received: Array<{ readonly path: string; readonly body: string }> = []
    const server = Http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") })
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, received })))
  }),
  ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

it.live("with an OTLP endpoint, spans go to its /v1/traces, flushed when the layer closes", () =>
  Effect.gen(function*() {
    const { server, received } = yield* collector
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

    yield* Effect.void.pipe(
      Effect.withSpan("OrderDelivery.report", { attributes: { "order.id": 42 } }),
      Effect.provide(Tracing.layer({ endpoint: Option.some(endpoint), serviceName: "vigia-control" }))
    )

    const traces = received.filter((request) => request.path === "/v1/traces")
    assert.lengthOf(traces, 1)
    assert.include(traces[0]?.body ?? "", "OrderDelivery.report")
    assert.include(traces[0]?.body ?? "", "vigia-control")
  }).pipe(Effect.scoped))

it.effect("without an endpoint, spans stay Effect's own, kept nowhere", () =>
  Effect.gen(function*() {
    const span = yield* Effect.currentSpan.pipe(
      Effect.withSpan("OrderDelivery.report"),
      Effect.provide(Tracing.layer({ endpoint: Option.none(), serviceName: "vigia-control" }))
    )
    assert.instanceOf(span, Tracer.NativeSpan)
  }))
