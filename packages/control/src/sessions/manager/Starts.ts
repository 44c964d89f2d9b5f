/**
 * Starting and stopping an account's worker: a start creates it with the runtime and waits for its first word,
 * within the cap on running sessions; beyond the concurrent starts it waits its turn in line. A failed start
 * leaves nothing behind; a stop is published as a worker down.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Deferred, Duration, Effect, Option, PubSub, Schedule } from "effect"
import type { Worker } from "../runtimes/ContainerRuntime.ts"
import { CapacityReached, ContainerManagerError, runtimeFailed, StartTimedOut, workerDied } from "./ContainerManagerError.ts"
import type { ManagerContext, WorkerDown } from "./ManagerContext.ts"
import { tracked, type WorkerStatus } from "./WorkerTable.ts"

/** The steps of a start, for the caller to tell the user (its place in line, "criando…", "iniciando…"). */
export type StartStep =
  | { readonly _tag: "Queued"; readonly place: number }
  | { readonly _tag: "Creating" }
  | { readonly _tag: "WaitingForWorker"; readonly workerId: string }
  | { readonly _tag: "Ready"; readonly reused: boolean }

export type OnProgress = (step: StartStep) => Effect.Effect<void>

/** Fails as soon as the runtime says the worker is gone, exited or failed (a Swarm task rejected, say). */
const watchRuntime = (context: ManagerContext, phone: PhoneNumber) =>
  context.runtime.status(phone).pipe(
    Effect.mapError(runtimeFailed),
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(workerDied("the worker is gone")),
      onSome: (worker) =>
        worker.state === "exited" || worker.state === "failed"
          ? Effect.fail(workerDied(Option.getOrElse(worker.detail, () => worker.state)))
          : Effect.succeed(worker)
    })),
    Effect.repeat(Schedule.spaced(context.options.checkInterval)),
    Effect.andThen(Effect.never)
  )

/** Creates the worker with the runtime and waits for its first word, or fails and leaves nothing behind. */
export const launch = Effect.fnUntraced(
  function*(context: ManagerContext, phone: PhoneNumber, onProgress: OnProgress) {
    const { options, runtime, table } = context
    const spec = yield* context.environment.specFor(phone)
    const since = yield* Clock.currentTimeMillis
    const started = yield* Deferred.make<void>()
    table.pending.set(phone, { since, started })
    yield* onProgress({ _tag: "Creating" })
    const worker = yield* runtime.create(spec).pipe(Effect.mapError(runtimeFailed))
    yield* onProgress({ _tag: "WaitingForWorker", workerId: worker.id })
    yield* Deferred.await(started).pipe(
      Effect.raceFirst(watchRuntime(context, phone)),
      Effect.timeoutOrElse({
        duration: options.startTimeout,
        orElse: () =>
          Effect.fail(new ContainerManagerError({
            reason: new StartTimedOut({ seconds: Duration.toSeconds(options.startTimeout) })
          }))
      })
    )
    return worker
  },
  (effect, context, phone) =>
    effect.pipe(
      Effect.ensuring(Effect.sync(() => context.table.pending.delete(phone))),
      Effect.tapError(() =>
        context.runtime.stop(phone).pipe(
          Effect.catchCause((cause) => Effect.logWarning("could not clean up after a failed start", cause)),
          context.log(phone)
        )
      )
    )
)

export const markRunning = Effect.fnUntraced(function*(context: ManagerContext, phone: PhoneNumber, worker: Worker) {
  const now = yield* Clock.currentTimeMillis
  const entry = context.table.workers.get(phone)
  if (entry === undefined) {
    context.table.workers.set(phone, tracked("running", { lastSeen: now }))
  } else {
    entry.phase = "running"
    entry.lastSeen = Math.max(entry.lastSeen, now)
    entry.detail = Option.none()
  }
  yield* context.record.phase(phone, "running", { runtimeRef: worker.id })
})

/** A start the user asked for: on failure nothing is left and the session is no longer wanted. */
const startNew = Effect.fnUntraced(function*(context: ManagerContext, phone: PhoneNumber, onProgress: OnProgress) {
  const { record, table } = context
  const now = yield* Clock.currentTimeMillis
  // Asked for again: a crash loop's history is forgiven.
  table.workers.set(phone, tracked("starting"))
  yield* record.desired(phone, "running")
  yield* record.phase(phone, "starting")
  const worker = yield* launch(context, phone, onProgress).pipe(
    Effect.tapError((error) =>
      Effect.gen(function*() {
        table.workers.delete(phone)
        yield* record.desired(phone, "stopped")
        yield* record.phase(phone, "stopped", { error: error.message })
        yield* Effect.logWarning("worker did not start", error.message).pipe(context.log(phone))
      })
    )
  )
  yield* markRunning(context, phone, worker)
  const seconds = ((yield* Clock.currentTimeMillis) - now) / 1000
  yield* Effect.logInfo("worker started", { seconds }).pipe(context.log(phone))
  yield* onProgress({ _tag: "Ready", reused: false })
  return table.statusOf(phone, Option.some(worker))
})

/** Starts the account's worker, or reuses a running one with the same configuration, and waits until it runs. */
export const start = Effect.fn("ContainerManager.start")(function*(
  context: ManagerContext,
  phone: PhoneNumber,
  onProgress: OnProgress
): Effect.fn.Return<WorkerStatus, ContainerManagerError> {
  const { options, runtime, table } = context
  yield* PubSub.publish(context.startsAsked, phone)
  return yield* table.locked(phone, Effect.gen(function*() {
    const spec = yield* context.environment.specFor(phone)
    const hash = yield* runtime.configHash(spec).pipe(Effect.mapError(runtimeFailed))
    const current = yield* runtime.status(phone).pipe(Effect.mapError(runtimeFailed))
    const entry = table.workers.get(phone)
    if (
      Option.isSome(current) && current.value.state === "running" && current.value.configHash === hash &&
      (entry === undefined || entry.phase === "running")
    ) {
      yield* markRunning(context, phone, current.value)
      yield* context.record.desired(phone, "running")
      yield* onProgress({ _tag: "Ready", reused: true })
      return table.statusOf(phone, current)
    }
    yield* withinCapacity(context, phone)
    const { counted, queue } = context.starts
    return yield* queue.admit(
      // The sessions that started while this one waited count too.
      withinCapacity(context, phone).pipe(Effect.andThen(counted(startNew(context, phone, onProgress)))),
      { maxWait: options.startQueueTimeout, onPlace: (place) => onProgress({ _tag: "Queued", place }) }
    )
  }))
})

/** Refuses a start past `maxRunning` workers wanted, a crash loop aside. */
const withinCapacity = (context: ManagerContext, phone: PhoneNumber) =>
  Effect.suspend(() => {
    const running = context.table.activeCount(phone)
    const limit = context.options.maxRunning
    return running >= limit
      ? Effect.fail(new ContainerManagerError({ reason: new CapacityReached({ running, limit }) }))
      : Effect.void
  })

/** Stops and removes the account's worker, keeping its data; stopping a worker that is gone succeeds. */
/** Stops and removes the worker; the caller holds the account's lock. */
const stopWorker = (context: ManagerContext, phone: PhoneNumber) =>
  Effect.gen(function*() {
    context.table.workers.delete(phone)
    yield* context.record.desired(phone, "stopped")
    yield* context.runtime.stop(phone).pipe(Effect.mapError(runtimeFailed))
    yield* context.record.phase(phone, "stopped")
    yield* PubSub.publish(context.workersDown, { phone, phase: "stopped" } satisfies WorkerDown)
    yield* Effect.logInfo("worker stopped").pipe(context.log(phone))
  })

export const stop = Effect.fn("ContainerManager.stop")(function*(context: ManagerContext, phone: PhoneNumber) {
  yield* context.table.locked(phone, stopWorker(context, phone))
})

/** Stops the worker and deletes the account's data, under one hold of the account's lock (no start in between). */
export const erase = Effect.fn("ContainerManager.erase")(function*(context: ManagerContext, phone: PhoneNumber) {
  yield* context.table.locked(
    phone,
    stopWorker(context, phone).pipe(Effect.andThen(context.runtime.removeData(phone).pipe(Effect.mapError(runtimeFailed))))
  )
})
