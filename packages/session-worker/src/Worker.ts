/**
 * The whole session worker as one layer over `WorkerConfig`, `Queue` and `Tdl`: it answers
 * the account's commands one at a time, publishes its updates, and beats its presence beside the queues.
 */
import { mask } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Duration, Effect, Layer, Schedule } from "effect"
import { CommandProcessor } from "./CommandProcessor.ts"
import { stateName } from "./FromTdlib.ts"
import { Outbox } from "./Outbox.ts"
import { Tdl } from "./Tdl.ts"
import { publishUpdates } from "./UpdatePublisher.ts"
import { WatchedChats } from "./WatchedChats.ts"
import { WorkerConfig } from "./WorkerConfig.ts"

const run = Effect.gen(function*() {
  const config = yield* WorkerConfig
  const queue = yield* Queue
  const outbox = yield* Outbox
  const processor = yield* CommandProcessor
  const tdl = yield* Tdl

  yield* outbox.update(new Messages.WorkerStarted())
  yield* publishUpdates.pipe(Effect.forkScoped)
  // Presence, not an update: a beat keeps no control-side consumer open. A beat lost while Redis is away is
  // only worth its moment, so it is logged and the next one tries again.
  const beatTtl = Duration.times(config.heartbeatInterval, 3)
  const beat = tdl.authorizationState.pipe(
    Effect.flatMap((state) => queue.beat(config.phone, stateName(state), beatTtl)),
    Effect.catch((error) => Effect.logDebug("heartbeat not written", error.message))
  )
  yield* beat.pipe(
    Effect.repeat(Schedule.spaced(config.heartbeatInterval)),
    Effect.forkScoped
  )

  // A command in flight finishes and is answered even while the worker stops.
  const handle = (message: Messages.CommandMessage) =>
    processor.respond(message).pipe(Effect.flatMap(outbox.respond), Effect.uninterruptible)

  yield* queue.consume(QueueNames.commandsQueue(config.phone), Messages.CommandMessage, handle).pipe(
    Effect.tapError((error) => Effect.logWarning("cannot take commands yet; retrying", error.message)),
    Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]))
  )
  yield* Effect.logInfo("worker started", `driver ${config.tdl._tag}`)
  yield* Effect.addFinalizer(() => Effect.logInfo("worker stopping: no more commands"))
})

const services = CommandProcessor.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(WatchedChats.layer, Outbox.layer)),
  Layer.provideMerge(Layer.unwrap(WorkerConfig.use((config) => Effect.succeed(SecretBox.layer(config.sessionKey)))))
)

/** Every log line of the worker carries its account (masked) and container. */
const annotated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  WorkerConfig.use((config) =>
    effect.pipe(Effect.annotateLogs({ account: mask(config.phone), containerId: config.containerId }))
  )

/** The worker, given `WorkerConfig`, `Queue` and `Tdl`, and a `FileSystem` for its account's folder. */
export const layer = Layer.effectDiscard(annotated(run)).pipe(Layer.provide(services))
