/**
 * The contract a `Queue` layer's transport (BullMQ, in-memory) fulfils: raw job data in and out, retries with
 * backoff, transient waits that keep a job's place, failed jobs parked with a reason, kept so long and so many,
 * and re-driven. Decoding, the malformed-message path and what is transient live above it, in `Queue`.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Data, Duration, Effect, Schema, Scope } from "effect"
import type { JobId, QueueName } from "../QueueNames.ts"

export class QueueError extends Schema.TaggedError<QueueError>()("QueueError", {
  reason: Schema.Literals(["Unavailable", "InvalidMessage"]),
  queue: Schema.String,
  message: Schema.String
}) {
  /** Redis not answering is transient: waiting fixes it. */
  get transient(): boolean {
    return this.reason === "Unavailable"
  }
}

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

/**
 * A job's processing failed for a reason that waiting fixes: the transport hands the same job to the queue's
 * consumer again after `delay`, before the queue's later jobs, and counts no attempt.
 */
export class JobWaits extends Data.TaggedError("JobWaits")<{
  readonly reason: string
  readonly delay: Duration.Duration
}> {}

/** Processes one job's data from `queue`; the transport acknowledges, retries, delays or parks it by the outcome. */
export type Processor = (queue: QueueName, data: unknown) => Effect.Effect<void, JobFailed | JobWaits>

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
  /** Delay before the second attempt, and a transient failure's first wait; doubled for each further one. */
  readonly backoff: Duration.Duration
  /** The longest wait after a transient failure. */
  readonly maxBackoff: Duration.Duration
  /** Failed jobs kept per queue (older ones dropped). */
  readonly failedJobsKept: number
  /** Failed jobs are dropped once they have been parked this long. */
  readonly failedJobsMaxAge: Duration.Duration
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  backoff: Duration.seconds(1),
  maxBackoff: Duration.seconds(30),
  failedJobsKept: 100,
  failedJobsMaxAge: Duration.days(7)
}

/** The delay before attempt `attemptsMade + 1`: BullMQ's exponential backoff. */
export const backoffDelay = (policy: RetryPolicy, attemptsMade: number): Duration.Duration =>
  Duration.millis(Math.round(2 ** (attemptsMade - 1) * Duration.toMillis(policy.backoff)))

/** The wait after the `streak`-th transient failure in a row: from `backoff`, doubled each time, up to `maxBackoff`. */
export const transientDelay = (policy: RetryPolicy, streak: number): Duration.Duration =>
  Duration.min(backoffDelay(policy, Math.min(streak, 32)), policy.maxBackoff)

/** How often parked jobs are checked for age: a quarter of the age limit, between a second and an hour. */
export const retentionInterval = (policy: RetryPolicy): Duration.Duration =>
  Duration.clamp(Duration.divideUnsafe(policy.failedJobsMaxAge, 4), { minimum: Duration.seconds(1), maximum: Duration.hours(1) })

export interface Transport {
  readonly add: (queue: QueueName, data: unknown, jobId: JobId | undefined) => Effect.Effect<void, QueueError>
  readonly consumer: (process: Processor, concurrency: number) => Effect.Effect<QueueSet, never, Scope.Scope>
  readonly failed: (queue: QueueName) => Effect.Effect<ReadonlyArray<FailedJob>, QueueError>
  /** Moves the jobs parked in `queue` back to its waiting jobs, oldest first, their attempts counted afresh; how many. */
  readonly redrive: (queue: QueueName) => Effect.Effect<number, QueueError>
  readonly depth: (queue: QueueName) => Effect.Effect<QueueDepth, QueueError>
  /** Deletes `queue` and every job in it, whatever its state. */
  readonly obliterate: (queue: QueueName) => Effect.Effect<void, QueueError>
  /** Stores an account's encoded liveness for `ttl`, replacing the previous one. */
  readonly beat: (phone: PhoneNumber, encoded: string, ttl: Duration.Duration) => Effect.Effect<void, QueueError>
  /** Deletes an account's last beat. */
  readonly clearBeat: (phone: PhoneNumber) => Effect.Effect<void, QueueError>
  /** The encoded liveness of each account among `phones` whose last beat has not expired. */
  readonly lastBeats: (
    phones: ReadonlyArray<PhoneNumber>
  ) => Effect.Effect<ReadonlyMap<PhoneNumber, string>, QueueError>
  /** Stores `owner`'s note `name` (none: deletes it). */
  readonly writeNote: (owner: PhoneNumber, name: string, text: string | undefined) => Effect.Effect<void, QueueError>
  /** `owner`'s note `name`, if any. */
  readonly readNote: (owner: PhoneNumber, name: string) => Effect.Effect<string | undefined, QueueError>
}
