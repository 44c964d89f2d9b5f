/**
 * The contract a `Queue` layer's transport (BullMQ, in-memory) fulfils: raw job data in and out, retries with
 * backoff, failed jobs parked with a reason. Decoding and the malformed-message path live above it, in `Queue`.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Data, Duration, Effect, Schema, Scope } from "effect"
import type { JobId, QueueName } from "../QueueNames.ts"

export class QueueError extends Schema.TaggedError<QueueError>()("QueueError", {
  reason: Schema.Literals(["Unavailable", "InvalidMessage"]),
  queue: Schema.String,
  message: Schema.String
}) {}

/** A job parked as failed, with the reason of its last attempt. */
export interface FailedJob {
  readonly jobId: string
  readonly reason: string
  readonly attemptsMade: number
}

/** How a job's processing failed: `retry` false parks it at once (a message that cannot decode). */
export class JobFailed extends Data.TaggedError("JobFailed")<{
  readonly reason: string
  readonly retry: boolean
}> {}

/** Processes one job's data from `queue`; the transport acknowledges, retries or parks it by the outcome. */
export type Processor = (queue: QueueName, data: unknown) => Effect.Effect<void, JobFailed>

/** How many jobs a queue holds, by state (`waiting` includes prioritized jobs). */
export interface QueueDepth {
  readonly waiting: number
  readonly active: number
  readonly delayed: number
  readonly failed: number
}

/** A consumer over a changing set of queues. */
export interface QueueSet {
  /** Starts consuming `queue` (already consumed: nothing changes). */
  readonly add: (queue: QueueName) => Effect.Effect<void, QueueError>
  /** Stops consuming `queue` once its jobs in progress finish; its waiting jobs stay for a later consumer. */
  readonly remove: (queue: QueueName) => Effect.Effect<void>
  readonly queues: Effect.Effect<ReadonlySet<QueueName>>
}

/** Retry policy and retention shared by both layers. */
export interface RetryPolicy {
  /** Attempts per job before it is parked as failed. */
  readonly attempts: number
  /** Delay before the second attempt; doubled for each further attempt. */
  readonly backoff: Duration.Duration
  /** Failed jobs kept per queue (older ones dropped). */
  readonly failedJobsKept: number
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  backoff: Duration.seconds(1),
  failedJobsKept: 1000
}

/** The delay before attempt `attemptsMade + 1`: BullMQ's exponential backoff. */
export const backoffDelay = (policy: RetryPolicy, attemptsMade: number): Duration.Duration =>
  Duration.millis(Math.round(2 ** (attemptsMade - 1) * Duration.toMillis(policy.backoff)))

export interface Transport {
  readonly add: (queue: QueueName, data: unknown, jobId: JobId | undefined) => Effect.Effect<void, QueueError>
  readonly consumer: (process: Processor, concurrency: number) => Effect.Effect<QueueSet, never, Scope.Scope>
  readonly failed: (queue: QueueName) => Effect.Effect<ReadonlyArray<FailedJob>, QueueError>
  readonly depth: (queue: QueueName) => Effect.Effect<QueueDepth, QueueError>
  /** Stores an account's encoded liveness for `ttl`, replacing the previous one. */
  readonly beat: (phone: PhoneNumber, encoded: string, ttl: Duration.Duration) => Effect.Effect<void, QueueError>
  /** The encoded liveness of each account among `phones` whose last beat has not expired. */
  readonly lastBeats: (
    phones: ReadonlyArray<PhoneNumber>
  ) => Effect.Effect<ReadonlyMap<PhoneNumber, string>, QueueError>
}
