/**
 * The `Queue` service: send a message to a queue, consume one queue or a changing set of queues, over BullMQ
 * (Redis) or in memory, with one behavioural contract and one decoding and malformed-message path for both.
 */
import { type Cause, Clock, Config, Context, Duration, Effect, Layer, Option, Redacted, Schema, Scope } from "effect"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "./Messages.ts"
import { kindOf, type JobId, type QueueName } from "./QueueNames.ts"
import * as BullMqTransport from "./internal/BullMqTransport.ts"
import {
  consumerBackoffs,
  describeIssue,
  hasTransientError,
  isTransientError,
  malformedMessages,
  processor
} from "./internal/Handling.ts"
import * as MemoryTransport from "./internal/MemoryTransport.ts"
import {
  defaultRetryPolicy,
  QueueError,
  type FailedJob,
  type QueueDepth,
  type QueueSet,
  type RetryPolicy,
  type Transport
} from "./internal/Transport.ts"

export { QueueError, type FailedJob, type QueueDepth, type QueueSet, type RetryPolicy } from "./internal/Transport.ts"

/** Where `Queue.layerBullMq` keeps its queues and how it treats them: only `redisUrl` is required. */
export interface BullMqOptions extends Partial<BullMqTransport.Tuning>, Partial<RetryPolicy> {
  /** Redis holding the queues (`redis://` or `rediss://`; use `maxmemory-policy noeviction`). */
  readonly redisUrl: Redacted.Redacted<string>
}

export interface SendOptions {
  /** BullMQ's deduplication: a job whose id is still waiting, active or parked is not added again. */
  readonly jobId?: JobId
}

/** An account's last sign of life: when its worker beat, and the account's authorization state then. */
export class Beat extends Schema.Class<Beat>("@vigia/protocol/Beat")({
  at: Messages.Timestamp,
  authorization: Messages.AuthorizationStateName
}) {}

const BeatJson = Schema.fromJsonString(Beat)

export interface ConsumeOptions<E = never> {
  /** Jobs of one queue handled at once; 1 (the default) handles a queue's messages one at a time, in order. */
  readonly concurrency?: number
  /**
   * Which of the handler's failures are transient: something it needs cannot answer now (a database or Redis
   * unreachable, a 5xx, a timeout). The queue's consumer then waits (from the policy's `backoff`, doubling up to
   * its `maxBackoff`; counted in `vigia_consumer_backoffs_total` and logged) and hands the same message again,
   * before the queue's later ones, for as long as it takes: it is never parked and no attempt is counted. Every
   * other failure is retried by the policy, then parked. It sees the whole cause, defects included;
   * `hasTransientError` suits handlers whose errors say `transient`. None is transient by default.
   */
  readonly transient?: (cause: Cause.Cause<E>) => boolean
}

export { consumerBackoffs, describeIssue, hasTransientError, isTransientError, malformedMessages }

export class Queue extends Context.Service<Queue, {
  /** Encodes `message` with `schema` and adds it to `queue`. Fails fast when the transport is unreachable. */
  readonly send: <S extends Schema.Top>(
    queue: QueueName,
    schema: S,
    message: S["Type"],
    options?: SendOptions
  ) => Effect.Effect<void, QueueError, S["EncodingServices"]>
  /**
   * Consumes `queue` until the scope closes: each job is decoded with `schema` and handed to `handler`.
   * Success removes the job; a transient failure (see `ConsumeOptions.transient`) waits and tries again; any
   * other failure retries with backoff, then parks the job as failed with its reason; a job that does not decode
   * is parked at once (reason: the schema path) and counted.
   */
  readonly consume: <S extends Schema.Top, E, R>(
    queue: QueueName,
    schema: S,
    handler: (message: S["Type"], queue: QueueName) => Effect.Effect<void, E, R>,
    options?: ConsumeOptions<E>
  ) => Effect.Effect<void, QueueError, Scope.Scope | R | S["DecodingServices"]>
  /** Like `consume`, over a set of queues that changes at run time (accounts come and go). Starts empty. */
  readonly consumeSet: <S extends Schema.Top, E, R>(
    schema: S,
    handler: (message: S["Type"], queue: QueueName) => Effect.Effect<void, E, R>,
    options?: ConsumeOptions<E>
  ) => Effect.Effect<QueueSet, never, Scope.Scope | R | S["DecodingServices"]>
  /**
   * The jobs of `queue` parked as failed, newest first: at most the policy's `failedJobsKept`, none parked longer
   * than its `failedJobsMaxAge`.
   */
  readonly failed: (queue: QueueName) => Effect.Effect<ReadonlyArray<FailedJob>, QueueError>
  /**
   * Hands the jobs parked in `queue` back to it (an operator's re-drive), oldest first, with their attempts
   * counted afresh; answers how many. A job that fails again is parked again.
   */
  readonly redrive: (queue: QueueName) => Effect.Effect<number, QueueError>
  /** How many jobs `queue` holds, by state (for metrics and operators). */
  readonly depth: (queue: QueueName) => Effect.Effect<QueueDepth, QueueError>
  /** Deletes `queue` with every job in it, waiting, parked or not (an account's data erased); a queue not there is fine. */
  readonly obliterate: (queue: QueueName) => Effect.Effect<void, QueueError>
  /**
   * Records that `phone`'s worker is alive now, in `state`, for `ttl`. Presence travels beside the queues, not
   * on them: a beat opens no consumer. Fails fast when the transport is unreachable.
   */
  readonly beat: (
    phone: PhoneNumber,
    state: typeof Messages.AuthorizationStateName.Type,
    ttl: Duration.Duration
  ) => Effect.Effect<void, QueueError>
  /** Forgets the account's last beat (its data erased), before its ttl runs out. */
  readonly clearBeat: (phone: PhoneNumber) => Effect.Effect<void, QueueError>
  /** The last beat of each account among `phones` that beat within its ttl; the others are absent. */
  readonly lastBeats: (phones: ReadonlyArray<PhoneNumber>) => Effect.Effect<ReadonlyMap<PhoneNumber, Beat>, QueueError>
  /**
   * Stores `owner`'s note `name` (`undefined`: deletes it) beside its queues, where `owner`'s own Redis user may
   * read it: a pool's roster. Fails fast when the transport is unreachable.
   */
  readonly writeNote: (owner: PhoneNumber, name: string, text: string | undefined) => Effect.Effect<void, QueueError>
  /** `owner`'s note `name`, if any. */
  readonly readNote: (owner: PhoneNumber, name: string) => Effect.Effect<string | undefined, QueueError>
}>()("@vigia/protocol/Queue") {
  /**
   * Queues in Redis through BullMQ; `redisUrl` is required, the rest has defaults: prefix `bull`, idle timeout
   * 30 seconds, sweep every 60 seconds, 5 attempts with backoff from 1 second, transient waits up to 30 seconds,
   * at most 100 failed jobs kept per queue, for at most 7 days.
   */
  static readonly layerBullMq = (options: BullMqOptions): Layer.Layer<Queue> => {
    const settings = { ...defaultRetryPolicy, ...BullMqTransport.defaultTuning, ...options }
    return Layer.effect(Queue, Effect.map(BullMqTransport.make(settings), (transport) => fromTransport(transport, settings)))
  }

  /** `layerBullMq` with its options read from `config` (a program's configuration module names the variables). */
  static readonly layerBullMqConfig = (config: Config.Wrap<BullMqOptions>): Layer.Layer<Queue, Config.ConfigError> =>
    Layer.unwrap(Effect.map(Config.unwrap(config), Queue.layerBullMq))

  /** In-process queues, for tests and the single-process mode with no Redis; the retry policy as BullMQ's. */
  static readonly layerMemory = (policy: Partial<RetryPolicy> = {}): Layer.Layer<Queue> => {
    const settings = { ...defaultRetryPolicy, ...policy }
    return Layer.effect(Queue, Effect.map(MemoryTransport.make(settings), (transport) => fromTransport(transport, settings)))
  }
}

/** The service over a transport: encoding, decoding and the malformed-message path, shared by both layers. */
const fromTransport = (transport: Transport, policy: RetryPolicy): Queue["Service"] => {
  const send = <S extends Schema.Top>(queue: QueueName, schema: S, message: S["Type"], options?: SendOptions) =>
    Schema.encodeUnknownEffect(schema)(message).pipe(
      Effect.mapError((error) => new QueueError({ reason: "InvalidMessage", queue, message: describeIssue(error.issue) })),
      // Through JSON, as BullMQ stores a job, so both layers hand their consumers the same data.
      Effect.flatMap((data) =>
        Effect.try({
          try: () => (data === undefined ? data : JSON.parse(JSON.stringify(data))) as unknown,
          catch: () => new QueueError({ reason: "InvalidMessage", queue, message: "the encoded message is not JSON" })
        })
      ),
      Effect.flatMap((data) => transport.add(queue, data, options?.jobId)),
      Effect.withSpan("Queue.send", { attributes: { queue: kindOf(queue) } })
    )

  const consumeSet = <S extends Schema.Top, E, R>(
    schema: S,
    handler: (message: S["Type"], queue: QueueName) => Effect.Effect<void, E, R>,
    options?: ConsumeOptions<E>
  ) =>
    processor(schema, handler, options?.transient ?? (() => false), policy).pipe(
      Effect.flatMap((process) => transport.consumer(process, options?.concurrency ?? 1))
    )

  const consume = <S extends Schema.Top, E, R>(
    queue: QueueName,
    schema: S,
    handler: (message: S["Type"], queue: QueueName) => Effect.Effect<void, E, R>,
    options?: ConsumeOptions<E>
  ) => Effect.flatMap(consumeSet(schema, handler, options), (set) => set.add(queue))

  const beat = (phone: PhoneNumber, state: typeof Messages.AuthorizationStateName.Type, ttl: Duration.Duration) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((at) => Schema.encodeEffect(BeatJson)(new Beat({ at, authorization: state }))),
      Effect.orDie,
      Effect.flatMap((encoded) => transport.beat(phone, encoded, ttl)),
      Effect.withSpan("Queue.beat")
    )

  // A value that does not decode (written by something else) counts as no beat.
  const lastBeats = (phones: ReadonlyArray<PhoneNumber>) =>
    transport.lastBeats(phones).pipe(
      Effect.flatMap((found) =>
        Effect.forEach(found, ([phone, encoded]) =>
          Schema.decodeUnknownEffect(BeatJson)(encoded).pipe(
            Effect.map((decoded) => [phone, decoded] as const),
            Effect.option
          ))
      ),
      Effect.map((decoded): ReadonlyMap<PhoneNumber, Beat> => new Map(decoded.flatMap(Option.toArray))),
      Effect.withSpan("Queue.lastBeats", { attributes: { accounts: phones.length } })
    )

  return Queue.of({
    send,
    consume,
    consumeSet,
    failed: transport.failed,
    redrive: transport.redrive,
    depth: transport.depth,
    obliterate: transport.obliterate,
    beat,
    lastBeats,
    clearBeat: transport.clearBeat,
    writeNote: transport.writeNote,
    readNote: transport.readNote
  })
}
