/**
 * The container manager: policy over any `ContainerRuntime`. It starts an account's worker and waits until it
 * runs, caps sessions, queues starts beyond the concurrent ones, adopts what runs when it starts, restarts dead
 * or silent workers, and says when a worker goes down.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { UpdateMessage } from "@vigia/protocol/Messages"
import { Config, Context, type Duration, Effect, Layer, Option, Schedule, Stream } from "effect"
import type { RuntimeKind } from "../runtimes/ContainerRuntime.ts"
import * as Adoption from "./Adoption.ts"
import { type ContainerManagerError, runtimeFailed } from "./ContainerManagerError.ts"
import * as Liveness from "./Liveness.ts"
import * as ManagerContext from "./ManagerContext.ts"
import * as Starts from "./Starts.ts"
import type { WorkerStatus } from "./WorkerTable.ts"

export {
  CapacityReached,
  ContainerManagerError,
  RuntimeFailed,
  StartQueueTimedOut,
  StartTimedOut,
  WorkerDied
} from "./ContainerManagerError.ts"
export type { StartStep } from "./Starts.ts"
export type { WorkerDown } from "./ManagerContext.ts"
export { WorkerPhase, type WorkerStatus } from "./WorkerTable.ts"

export interface ContainerManagerOptions {
  readonly maxRunning: number
  readonly maxConcurrentStarts: number
  /** How long a start beyond the concurrent ones may wait for its turn. */
  readonly startQueueTimeout: Duration.Duration
  /** How long a start may take until the worker reports `WorkerStarted` (or beats). */
  readonly startTimeout: Duration.Duration
  /** How often workers are checked. */
  readonly checkInterval: Duration.Duration
  /** A worker not heard from for this long is dead (a few heartbeat intervals). */
  readonly silenceThreshold: Duration.Duration
  /** The first restart waits this long; each further one twice as long, up to `maxBackoff`. */
  readonly restartBackoff: Duration.Duration
  readonly maxBackoff: Duration.Duration
  /** This many restarts within `crashLoopWindow` is a crash loop. */
  readonly crashLoopRestarts: number
  readonly crashLoopWindow: Duration.Duration
  /** Heartbeats are written to the sessions table at most this often per account. */
  readonly heartbeatPersistInterval: Duration.Duration
}

export class ContainerManager extends Context.Service<ContainerManager, {
  /** Which runtime runs the workers (the `sessions` table records it with each session). */
  readonly runtime: RuntimeKind
  /**
   * Starts the account's worker (or reuses a running one with the same configuration) and waits until it runs;
   * beyond the concurrent starts it waits for its turn, in order, its place told through `onProgress`.
   */
  readonly start: (
    phone: PhoneNumber,
    onProgress?: (step: Starts.StartStep) => Effect.Effect<void>
  ) => Effect.Effect<WorkerStatus, ContainerManagerError>
  /** Stops and removes the account's worker, keeping its data; stopping a worker that is gone succeeds. */
  readonly stop: (phone: PhoneNumber) => Effect.Effect<void, ContainerManagerError>
  /** Stops and removes the account's worker and deletes its data (its folder or volume): the account is forgotten. */
  readonly erase: (phone: PhoneNumber) => Effect.Effect<void, ContainerManagerError>
  readonly status: (phone: PhoneNumber) => Effect.Effect<WorkerStatus, ContainerManagerError>
  readonly list: Effect.Effect<ReadonlyArray<WorkerStatus>, ContainerManagerError>
  /**
   * Every update read from an account's updates queue passes here (the control plane's updates consumer calls
   * it): any update is a sign of life, and `WorkerStarted` completes a start.
   */
  readonly observe: (message: UpdateMessage) => Effect.Effect<void>
  /** The accounts whose worker went into a crash loop and was left stopped, as it happens. */
  readonly crashLoops: Stream.Stream<PhoneNumber>
  /** The accounts whose worker is asked to start, as it is asked (before it starts): their updates are to be read. */
  readonly starts: Stream.Stream<PhoneNumber>
  /** Workers as they go down: declared dead (a restart scheduled, or a crash loop), or stopped. */
  readonly workersDown: Stream.Stream<ManagerContext.WorkerDown>
}>()("@vigia/control/sessions/manager/ContainerManager") {}

/** The manager over the `ContainerRuntime`, `Queue`, `SessionStore` and `WorkerEnvironment` in context. */
export const make = Effect.fnUntraced(function*(options: ContainerManagerOptions) {
  const context = yield* ManagerContext.make(options)
  const { runtime, table } = context

  const status = Effect.fn("ContainerManager.status")(function*(phone: PhoneNumber) {
    const worker = yield* runtime.status(phone).pipe(Effect.mapError(runtimeFailed))
    return table.statusOf(phone, worker)
  })

  const list = Effect.gen(function*() {
    const workers = yield* runtime.list.pipe(Effect.mapError(runtimeFailed))
    const byPhone = new Map(workers.map((worker) => [worker.phone, worker] as const))
    const phones = new Set([...byPhone.keys(), ...table.workers.keys()])
    return [...phones].map((phone) => table.statusOf(phone, Option.fromNullishOr(byPhone.get(phone))))
  }).pipe(Effect.withSpan("ContainerManager.list"))

  yield* Liveness.watch(context)
  yield* Adoption.reconcile(context).pipe(
    // An engine not answering yet (the engine gate starting beside the control plane) is waited for, a little.
    Effect.retry({
      while: (error) => error._tag === "ContainerRuntimeError" && error.reason === "Unavailable",
      schedule: Schedule.spaced("2 seconds"),
      times: 10
    }),
    Effect.catchCause((cause) => Effect.logError("could not reconcile workers at start", cause))
  )

  return ContainerManager.of({
    runtime: runtime.kind,
    start: (phone, onProgress = () => Effect.void) => Starts.start(context, phone, onProgress),
    stop: (phone) => Starts.stop(context, phone),
    erase: (phone) => Starts.erase(context, phone),
    status,
    list,
    observe: Liveness.observe(context),
    crashLoops: Stream.fromPubSub(context.crashLooped),
    starts: Stream.fromPubSub(context.startsAsked),
    workersDown: Stream.fromPubSub(context.workersDown)
  })
})

/** The manager, which adopts what runs as it starts. */
export const layer = (options: ContainerManagerOptions) => Layer.effect(ContainerManager, make(options))

export const layerConfig = (config: Config.Wrap<ContainerManagerOptions>) =>
  Layer.effect(ContainerManager, Effect.flatMap(Config.unwrap(config), make))
