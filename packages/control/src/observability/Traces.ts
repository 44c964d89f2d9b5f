/**
 * An order's trace across processes and time: the W3C `traceparent` of a span, as the order ledger keeps it, and
 * the parent span it stands for when the delivery resumes the trace later, maybe in another process.
 */
import { Effect, Option, Tracer } from "effect"

/** `00-{trace id}-{span id}-{flags}` of the current span, if the caller runs inside one. */
export const currentTraceParent: Effect.Effect<string | null> = Effect.currentSpan.pipe(
  Effect.map((span) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`),
  Effect.option,
  Effect.map(Option.getOrNull)
)

const traceParentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The span a `traceparent` names, to continue its trace; none for a missing or malformed one. */
export const spanOf = (traceParent: string | null): Option.Option<Tracer.ExternalSpan> => {
  const parts = traceParentPattern.exec(traceParent ?? "")
  if (parts === null) return Option.none()
  const [, traceId = "", spanId = "", flags = "00"] = parts
  return Option.some(Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 }))
}
