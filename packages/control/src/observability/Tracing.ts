/**
 * The control plane's traces: Effect's spans, through `@effect/opentelemetry` and the OpenTelemetry SDK, exported
 * over OTLP/HTTP when an endpoint is configured and kept nowhere otherwise; tests give their own span processor
 * (an in-memory exporter).
 */
import type { OtelTracer } from "@effect/opentelemetry/OtelTracer"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer, Option } from "effect"

export interface TracingOptions {
  /** The OTLP/HTTP endpoint (`http://collector:4318`, traces go to `/v1/traces` under it); none: no export. */
  readonly endpoint: Option.Option<string>
  readonly serviceName: string
}

/** The OpenTelemetry SDK, loaded only when spans go somewhere: it costs a process about 16 MiB otherwise spent for nothing. */
const sdk = Effect.promise(async () => ({
  tracer: await import("@effect/opentelemetry/OtelTracer"),
  resource: await import("@effect/opentelemetry/Resource"),
  trace: await import("@opentelemetry/sdk-trace-base"),
  otlp: await import("@opentelemetry/exporter-trace-otlp-http")
}))

type Sdk = Effect.Success<typeof sdk>

/** Effect's tracer backed by an OpenTelemetry tracer whose spans go to `processor`, flushed when the layer closes. */
export const layerProcessor = (processor: (sdk: Sdk) => SpanProcessor, serviceName: string): Layer.Layer<OtelTracer> =>
  Layer.unwrap(Effect.map(sdk, (loaded) =>
    loaded.tracer.layer.pipe(
      Layer.provide(Layer.effect(
        loaded.tracer.OtelTracerProvider,
        Effect.acquireRelease(
          Effect.gen(function*() {
            const resource = yield* loaded.resource.Resource
            return new loaded.trace.BasicTracerProvider({ resource, spanProcessors: [processor(loaded)] })
          }),
          (provider) => Effect.promise(() => provider.shutdown())
        )
      )),
      Layer.provide(loaded.resource.layer({ serviceName }))
    )))

/** Spans batched to the OTLP endpoint, when there is one. */
export const layer = (options: TracingOptions): Layer.Layer<OtelTracer> | Layer.Layer<never> =>
  Option.match(options.endpoint, {
    onNone: (): Layer.Layer<never> => Layer.empty,
    onSome: (endpoint) =>
      layerProcessor(
        ({ otlp, trace }) =>
          new trace.BatchSpanProcessor(new otlp.OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` })),
        options.serviceName
      )
  })

export const layerConfig = (config: Config.Wrap<TracingOptions>) => Layer.unwrap(Effect.map(Config.unwrap(config), layer))
