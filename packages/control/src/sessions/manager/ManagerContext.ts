/**
 * What the manager's parts (starts, liveness, adoption) share: its options and services, its table of workers,
 * the permits of concurrent starts and the queue before them, what it publishes (crash loops, starts asked,
 * workers down), and the sessions table written as a record whose failures are only logged.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { Effect, PubSub, Scope, Semaphore } from "effect"
import type { DesiredState } from "../../data/Sessions.ts"
import { ContainerRuntime } from "../runtimes/ContainerRuntime.ts"
import type { ContainerManagerOptions } from "./ContainerManager.ts"
import { SessionStore, type SessionStoreError } from "./SessionStore.ts"
import * as StartQueue from "./StartQueue.ts"
import { WorkerEnvironment } from "./WorkerEnvironment.ts"
import * as WorkerTable from "./WorkerTable.ts"

export const make = Effect.fnUntraced(function*(options: ContainerManagerOptions) {
  const runtime = yield* ContainerRuntime
  const queue = yield* Queue
  const environment = yield* WorkerEnvironment
  const store = yield* SessionStore
  const scope = yield* Scope.Scope
  const permits = yield* Semaphore.make(options.maxConcurrentStarts)
  const crashLooped = yield* PubSub.unbounded<PhoneNumber>()
  const startsAsked = yield* PubSub.unbounded<PhoneNumber>()
  const workersDown = yield* PubSub.unbounded<WorkerDown>()
  let startsInFlight = 0

  const log = (phone: PhoneNumber) => Effect.annotateLogs({ phone: mask(phone), runtime: runtime.kind })

  /** The sessions table is a record, not a dependency of running workers: its failures are logged, not raised. */
  const recorded = (phone: PhoneNumber, what: string, effect: Effect.Effect<void, SessionStoreError>) =>
    effect.pipe(
      Effect.catchCause((cause) => Effect.logWarning(`could not record ${what} in the sessions table`, cause).pipe(log(phone)))
    )

  const record = {
    desired: (phone: PhoneNumber, desired: DesiredState) =>
      recorded(phone, `the desired state ${desired}`, store.setDesired(phone, desired)),
    phase: (phone: PhoneNumber, phase: WorkerTable.WorkerPhase, details: { runtimeRef?: string; error?: string } = {}) =>
      recorded(phone, `the state ${phase}`, store.setObserved(phone, phase, details)),
    heartbeat: (phone: PhoneNumber, at: Date) => recorded(phone, "a heartbeat", store.heartbeat(phone, at))
  }

  const inFlight = () => startsInFlight
  const starts = {
    permits,
    /** Counts the starts in flight (a user's or a restart), for the queue's reports. */
    counted: <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(Effect.sync(() => startsInFlight++), () => effect, () => Effect.sync(() => startsInFlight--)),
    inFlight,
    /** User starts beyond the permits wait here, in order (restarts take the permits directly). */
    queue: StartQueue.make(permits, inFlight)
  }

  return {
    options,
    runtime,
    queue,
    environment,
    store,
    scope,
    table: WorkerTable.make(),
    log,
    record,
    starts,
    crashLooped,
    startsAsked,
    workersDown
  }
})

/** A worker that went down, in the phase the manager put it in. */
export interface WorkerDown {
  readonly phone: PhoneNumber
  readonly phase: "restarting" | "crash-loop" | "stopped"
}

export type ManagerContext = Effect.Success<ReturnType<typeof make>>
