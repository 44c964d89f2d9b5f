/**
 * The gauges `/metrics` samples when scraped: sessions by observed state, and the jobs
 * waiting or parked in the accounts' queues. Counters and histograms live with their code.
 */
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Queue } from "@vigia/protocol/Queue"
import { Context, Effect, Layer, Metric } from "effect"
import { ObservedState, Sessions } from "../data/Sessions.ts"

export const sessionsByState = Metric.gauge("vigia_sessions", {
  description: "Sessions by the state last observed"
})

export const queueJobs = Metric.gauge("vigia_queue_jobs", {
  description: "Jobs in the accounts' queues, by queue kind and job state"
})

const kinds = QueueNames.QueueKind.literals
const jobStates = ["waiting", "active", "delayed", "failed"] as const

export class ControlMetrics extends Context.Service<ControlMetrics, {
  /** Reads the current values of the gauges (called on every scrape). */
  readonly sample: Effect.Effect<void>
}>()("@vigia/control/http/ControlMetrics") {
  static readonly layer = Layer.effect(
    ControlMetrics,
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const queue = yield* Queue

      const sample = Effect.gen(function*() {
        const all = yield* sessions.list({})
        for (const state of ObservedState.literals) {
          const count = all.filter((session) => session.observedState === state).length
          yield* Metric.update(Metric.withAttributes(sessionsByState, { state }), count)
        }
        const totals = new Map<string, number>()
        yield* Effect.forEach(all, (session) =>
          Effect.forEach(kinds, (kind) =>
            queue.depth(QueueNames.queueName(session.phoneNumber, kind)).pipe(
              Effect.map((depth) => {
                for (const state of jobStates) totals.set(`${kind}/${state}`, (totals.get(`${kind}/${state}`) ?? 0) + depth[state])
              }),
              Effect.ignore
            )), { concurrency: 16, discard: true })
        for (const kind of kinds) {
          for (const state of jobStates) {
            yield* Metric.update(Metric.withAttributes(queueJobs, { queue: kind, state }), totals.get(`${kind}/${state}`) ?? 0)
          }
        }
      }).pipe(
        Effect.catchCause((cause) => Effect.logWarning("could not sample the metrics' gauges", cause)),
        Effect.withSpan("ControlMetrics.sample")
      )

      return ControlMetrics.of({ sample })
    })
  )
}
