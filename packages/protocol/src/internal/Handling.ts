/**
 * What a consumer does with each job before the transport sees the outcome: the message decoded (or parked at
 * once as malformed), the handler run, and its failure judged: transient ones wait with backoff, others retry.
 */
import { mask } from "@vigia/domain/PhoneNumber"
import { Cause, Duration, Effect, Metric, Predicate, Schema, SchemaIssue } from "effect"
import { kindOf, phoneOf, type QueueName } from "../QueueNames.ts"
import { JobFailed, JobWaits, type Processor, type RetryPolicy, transientDelay } from "./Transport.ts"

/** Messages that did not decode and were parked as failed, by queue kind. */
export const malformedMessages = Metric.counter("vigia_protocol_malformed_messages_total", {
  description: "Queue messages that did not decode and were parked as failed",
  incremental: true
})

/** Waits of a queue's consumer after a transient failure, by queue kind and the failure's tag. */
export const consumerBackoffs = Metric.counter("vigia_consumer_backoffs_total", {
  description: "Times a queue's consumer waited after a transient failure, to hand the same message again",
  incremental: true
})

/**
 * A decode failure as `path: expectation` lines, never showing the input: a malformed message may carry a
 * secret in clear, and the reason is stored with the failed job.
 */
export const describeIssue = (issue: SchemaIssue.Issue): string =>
  formatWithoutInput(issue).issues
    .map(({ message, path }) => `${path === undefined || path.length === 0 ? "(root)" : path.map(String).join(".")}: ${message}`)
    .join("; ")

const formatWithoutInput = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => {
    switch (issue._tag) {
      case "InvalidType":
        return SchemaIssue.defaultLeafHook(new SchemaIssue.InvalidType(issue.ast))
      case "InvalidValue":
        return SchemaIssue.defaultLeafHook(new SchemaIssue.InvalidValue(issue.annotations))
      case "UnexpectedKey":
        return SchemaIssue.defaultLeafHook(new SchemaIssue.UnexpectedKey(issue.ast))
      case "OneOf":
        return SchemaIssue.defaultLeafHook(new SchemaIssue.OneOf(issue.ast, issue.successes))
      default:
        return SchemaIssue.defaultLeafHook(issue)
    }
  },
  checkHook: (issue) =>
    SchemaIssue.defaultCheckHook(issue) ?? `Expected ${issue.filter.annotations?.expected ?? "a valid value"}`
})

const tagOf = (error: unknown): string =>
  Predicate.hasProperty(error, "_tag") && Predicate.isString(error._tag) ? error._tag : "Error"

/** Why a handler failed, for the failed job's reason: the error's tag and message, not its data. */
const describeFailure = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const message = "message" in error && typeof error.message === "string" ? error.message : ""
    return message === "" ? tagOf(error) : `${tagOf(error)}: ${message}`
  }
  return String(error)
}

/** Whether `error` says waiting fixes it (`transient: true`). */
export const isTransientError = (error: unknown): boolean =>
  Predicate.hasProperty(error, "transient") && error.transient === true

/** Whether some failure or defect in `cause` says waiting fixes it. */
export const hasTransientError = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) =>
    Cause.isFailReason(reason) ? isTransientError(reason.error) : Cause.isDieReason(reason) && isTransientError(reason.defect)
  )

/**
 * The processor of a consumer set: `handler` over decoded messages, its failures judged by `transient`. A queue's
 * transient failures in a row make its waits longer; anything else it does resets them.
 */
export const processor = Effect.fnUntraced(function*<S extends Schema.Top, E, R>(
  schema: S,
  handler: (message: S["Type"], queue: QueueName) => Effect.Effect<void, E, R>,
  transient: (cause: Cause.Cause<E>) => boolean,
  policy: RetryPolicy
) {
  const context = yield* Effect.context<R | S["DecodingServices"]>()
  const decode = Schema.decodeUnknownEffect(schema)
  const streaks = new Map<QueueName, number>()

  const malformed = (queue: QueueName, issue: SchemaIssue.Issue): Effect.Effect<never, JobFailed> => {
    const reason = `malformed message: ${describeIssue(issue)}`
    return Metric.update(Metric.withAttributes(malformedMessages, { queue: kindOf(queue) }), 1).pipe(
      Effect.andThen(Effect.logWarning("parked a malformed message").pipe(
        Effect.annotateLogs({ queue: kindOf(queue), account: mask(phoneOf(queue)), reason })
      )),
      Effect.andThen(Effect.fail(new JobFailed({ reason, retry: false })))
    )
  }

  const wait = (queue: QueueName, cause: Cause.Cause<E>): Effect.Effect<never, JobWaits> => {
    const error = Cause.squash(cause)
    const streak = (streaks.get(queue) ?? 0) + 1
    streaks.set(queue, streak)
    const delay = transientDelay(policy, streak)
    return Metric.update(Metric.withAttributes(consumerBackoffs, { queue: kindOf(queue), reason: tagOf(error) }), 1).pipe(
      Effect.andThen(Effect.logWarning("a transient failure: the queue's consumer waits, then tries the same message again").pipe(
        Effect.annotateLogs({
          queue: kindOf(queue),
          account: mask(phoneOf(queue)),
          reason: describeFailure(error),
          waitSeconds: Duration.toSeconds(delay),
          inARow: streak
        })
      )),
      Effect.andThen(Effect.fail(new JobWaits({ reason: describeFailure(error), delay })))
    )
  }

  const process: Processor = (queue, data) =>
    decode(data).pipe(
      Effect.catchTag("SchemaError", (error) => malformed(queue, error.issue)),
      Effect.flatMap((message) =>
        handler(message, queue).pipe(
          Effect.catchCause((cause): Effect.Effect<never, JobFailed | JobWaits> =>
            transient(cause)
              ? wait(queue, cause)
              : Effect.sync(() => streaks.delete(queue)).pipe(
                Effect.andThen(Effect.fail(new JobFailed({ reason: describeFailure(Cause.squash(cause)), retry: true })))
              )
          ),
          Effect.tap(() => Effect.sync(() => streaks.delete(queue)))
        )
      ),
      Effect.provideContext(context)
    )
  return process
})
