import { afterAll, assert, layer } from "@effect/vitest"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as Bot from "../../src/bot/layer.ts"
import * as Data from "../../src/data/layer.ts"
import * as Delivery from "../../src/delivery/layer.ts"
import * as Events from "../../src/events/layer.ts"
import * as Tracing from "../../src/observability/Tracing.ts"
import * as Queues from "../../src/queues/layer.ts"
import * as Sessions from "../../src/sessions/layer.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import { cleanup, customerWrites, deployment, fakeScript, linkOf, seedSeller, workerUp } from "../support/OrderHarness.ts"
import { includes } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const at = deployment("tracing")
const exporter = new InMemorySpanExporter()

/** The control plane as `main.ts` composes it (HTTP aside), alone on one machine: inline workers, the in-memory queue. */
const Control = Layer.unwrap(Effect.gen(function*() {
  const api = yield* FakeBotApi
  const database = yield* TestDatabase
  const environment = {
    BOT_TOKEN: api.token,
    BOT_API_ROOT: api.apiRoot,
    DATABASE_URL: Redacted.value(database.url),
    TDL_DRIVER: "fake",
    FAKE_TDL_SCRIPT: JSON.stringify(fakeScript),
    SESSION_MASTER_KEY: "tracing-test-master-key",
    WORKER_DATA_DIR: at.workersRoot
  }
  return Events.layer.pipe(
    Layer.provideMerge(Delivery.layer),
    Layer.provideMerge(Bot.layer),
    Layer.provideMerge(Sessions.layer),
    Layer.provideMerge(Queues.layer),
    Layer.provideMerge(Data.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(environment)))
  )
}))

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

const spanNamed = (spans: ReadonlyArray<ReadableSpan>, name: string) => {
  const found = spans.find((span) => span.name === name)
  assert.isDefined(found, `a span ${name} among ${spans.map((span) => span.name).join(", ")}`)
  return found!
}

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("tracing", (it) => {
  it.effect("an order is one trace, from the worker's update to the seller's report", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      // In the database before the control plane starts, so that it starts the seller's worker.
      const seller = yield* seedSeller(at, { plan: "basic", runtime: "inline" })
      // Read before the scope closes: shutting the tracer down empties the in-memory exporter.
      const spans = yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(Control.pipe(Layer.provideMerge(Tracing.layerProcessor(() => new SimpleSpanProcessor(exporter), "vigia-control"))))
        yield* workerUp(at, seller.phone)
        const reported = Effect.gen(function*() {
          const messageId = yield* customerWrites(at, seller.phone, "2x coca 2l")
          yield* api.awaitMessage(seller.chatId, includes(linkOf(messageId)), "3 seconds")
          return messageId
        })
        yield* reported.pipe(Effect.retry({ times: 20 }), Effect.orDie)
        return [...exporter.getFinishedSpans()]
      }))

      const report = spanNamed(spans, "OrderDelivery.report")
      const trace = spans.filter((span) => span.spanContext().traceId === report.spanContext().traceId)
      const byId = new Map(trace.map((span) => [span.spanContext().spanId, span]))
      const ancestry = (span: ReadableSpan): Array<string> => {
        const parent = span.parentSpanContext?.spanId
        const found = parent === undefined ? undefined : byId.get(parent)
        return [span.name, ...(found === undefined ? [] : ancestry(found))]
      }

      assert.deepStrictEqual(ancestry(report), [
        "OrderDelivery.report",
        "PurchaseHandler.handle",
        "EventProcessor.NewMessage",
        "UpdatePublisher.newMessage"
      ])
      const root = spanNamed(trace, "UpdatePublisher.newMessage")
      assert.isUndefined(root.parentSpanContext, "the worker's update starts the trace")
      assert.isTrue(trace.some((span) => span.name.startsWith("Orders.record")), "the ledger's write is in the trace")
      assert.isTrue(spans.filter((span) => span.name === "UpdatePublisher.newMessage").every((span) =>
        span.spanContext().traceId !== report.spanContext().traceId || span === root), "one trace per order")
    }), { timeout: 120_000 })
})

afterAll(() => Effect.runPromise(cleanup(at)))
