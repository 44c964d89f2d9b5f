/**
 * The session worker as one layer over `Queue` and `Tdl`: it answers the account's commands one at a
 * time, publishes its updates, and beats its presence beside the queues.
 */
import { mask } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue, type QueueError } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox, type SecretBoxError } from "@vigia/protocol/SecretBox"
import { Duration, Effect, type FileSystem, Layer, Schedule } from "effect"
import { CommandProcessor } from "./CommandProcessor.ts"
import { Outbox } from "./Outbox.ts"
import { stateName } from "./tdlib/FromTdlib.ts"
import { Tdl } from "./tdlib/Tdl.ts"
import { publishUpdates } from "./UpdatePublisher.ts"
import { WatchedChats } from "./WatchedChats.ts"
import { accountFolder, type WorkerSettings } from "./WorkerConfig.ts"

const run = Effect.fnUntraced(function*(settings: WorkerSettings) {
  const queue = yield* Queue
  const outbox = yield* Outbox
  const processor = yield* CommandProcessor
  const tdl = yield* Tdl

  yield* outbox.update(new Messages.WorkerStarted())
  yield* publishUpdates(settings.phone).pipe(Effect.forkScoped)
  // Presence, not an update: a beat keeps no control-side consumer open. A beat lost while Redis is away is
  // only worth its moment, so it is logged and the next one tries again.
  const beatTtl = Duration.times(settings.heartbeatInterval, 3)
  const beat = tdl.authorizationState.pipe(
    Effect.flatMap((state) => queue.beat(settings.phone, stateName(state), beatTtl)),
    Effect.catch((error) => Effect.logDebug("heartbeat not written", error.message))
  )
  yield* beat.pipe(
    Effect.repeat(Schedule.spaced(settings.heartbeatInterval)),
    Effect.forkScoped
  )

  // A command in flight finishes and is answered even while the worker stops.
  const handle = (message: Messages.CommandMessage) =>
    processor.respond(message).pipe(Effect.flatMap(outbox.respond), Effect.uninterruptible)

  yield* queue.consume(QueueNames.commandsQueue(settings.phone), Messages.CommandMessage, handle).pipe(
    Effect.tapError((error) => Effect.logWarning("cannot take commands yet; retrying", error.message)),
    Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]))
  )
  yield* Effect.logInfo("worker started", `driver ${settings.tdl._tag}`)
  yield* Effect.addFinalizer(() => Effect.logInfo("worker stopping: no more commands"))
})

/** The worker of `settings`, given a `Queue`, the account's `Tdl` and a `FileSystem` for its account's folder. */
export const layer = (
  settings: WorkerSettings
): Layer.Layer<never, QueueError | SecretBoxError, Queue | Tdl | FileSystem.FileSystem> => {
  const services = CommandProcessor.layer(settings).pipe(
    Layer.provideMerge(Layer.mergeAll(WatchedChats.layer({ folder: accountFolder(settings) }), Outbox.layer(settings))),
    Layer.provideMerge(SecretBox.layer(settings.sessionKey))
  )
  // Every log line of the worker carries its account (masked) and container.
  const annotated = run(settings).pipe(
    Effect.annotateLogs({ account: mask(settings.phone), containerId: settings.containerId })
  )
  return Layer.effectDiscard(annotated).pipe(Layer.provide(services))
}
