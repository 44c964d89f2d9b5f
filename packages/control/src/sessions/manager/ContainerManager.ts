/**
 * The container manager: policy over any `ContainerRuntime`. It starts an account's worker and waits until the
 * worker says it runs, caps sessions and concurrent starts, adopts workers after a restart of the control plane,
 * restarts silent or dead workers with backoff, and reports a crash loop instead of retrying forever. A worker
 * is heard from through its updates and through the heartbeats it writes beside its queues (`Queue.lastBeats`).
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { UpdateMessage } from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import {
  Clock,
  Config,
  Context,
  Deferred,
  Duration,
  Effect,
  Layer,
  Option,
  PubSub,
  Redacted,
  Schedule,
  Schema,
  Scope,
  Semaphore,
  Stream
} from "effect"
import * as Crypto from "node:crypto"
import { ContainerRuntime, type ContainerRuntimeError, type Worker, type WorkerSpec } from "../runtimes/ContainerRuntime.ts"
import { ControlSettings } from "../../config/ControlSettings.ts"
import type { DatabaseError } from "../../data/Database.ts"
import * as DockerRuntime from "../runtimes/DockerRuntime.ts"
import * as InlineRuntime from "../runtimes/InlineRuntime.ts"
import * as ProcessRuntime from "../runtimes/ProcessRuntime.ts"
import { masterSecret, SessionKeys } from "../SessionKeys.ts"
import { Sessions, type SessionsError } from "../../data/Sessions.ts"
import * as SwarmRuntime from "../runtimes/SwarmRuntime.ts"

/** What the manager needs from the `sessions` table: which accounts should run, and what it observed. */
export interface SessionStore {
  /** Accounts whose worker should be running (desired state `running`). */
  readonly wanted: Effect.Effect<ReadonlyArray<PhoneNumber>, unknown>
  /** Records whether the account's worker should run; an account with no session row is left alone. */
  readonly setDesired: (phone: PhoneNumber, desired: "running" | "stopped") => Effect.Effect<void, unknown>
  /** Records what the manager saw: state, the runtime's id for the worker, and the last error. */
  readonly setObserved: (
    phone: PhoneNumber,
    observed: ObservedState,
    details: { readonly runtimeRef?: string; readonly error?: string }
  ) => Effect.Effect<void, unknown>
  readonly heartbeat: (phone: PhoneNumber, at: Date) => Effect.Effect<void, unknown>
}

/** What the manager reports of an account's worker. */
export const ObservedState = Schema.Literals([
  /** Being created, or created and not yet heard from. */
  "starting",
  /** Heard from within the liveness threshold. */
  "running",
  /** Dead or silent: a restart is scheduled. */
  "restarting",
  /** Restarted too often in too little time: left stopped, reported, not retried. */
  "crash-loop",
  /** The runtime has it, but the manager does not want it (stopped, or not adopted yet). */
  "unmanaged",
  "stopped"
])
export type ObservedState = typeof ObservedState.Type

export interface ContainerStatus {
  readonly phone: PhoneNumber
  readonly state: ObservedState
  /** The runtime's view: none when the runtime has no worker for the account. */
  readonly worker: Option.Option<Worker>
  readonly lastSeen: Option.Option<Date>
  /** Restarts within the crash-loop window. */
  readonly restarts: number
  readonly detail: Option.Option<string>
}

/** The steps of a start, for the caller to tell the user ("iniciando…", "aguardando o Telegram…"). */
export type StartStep =
  | { readonly _tag: "Creating" }
  | { readonly _tag: "WaitingForWorker"; readonly workerId: string }
  | { readonly _tag: "Ready"; readonly reused: boolean }

export class CapacityReached extends Schema.TaggedError<CapacityReached>()("CapacityReached", {
  running: Schema.Int,
  limit: Schema.Int
}) {
  override get message() {
    return `${this.running} sessions are running, the limit is ${this.limit}`
  }
}

export class TooManyStarts extends Schema.TaggedError<TooManyStarts>()("TooManyStarts", {
  starting: Schema.Int,
  limit: Schema.Int
}) {
  override get message() {
    return `${this.starting} sessions are starting, at most ${this.limit} start at once`
  }
}

export class StartTimedOut extends Schema.TaggedError<StartTimedOut>()("StartTimedOut", {
  seconds: Schema.Number
}) {
  override get message() {
    return `the worker did not report that it started within ${this.seconds} s`
  }
}

/** The runtime reported the worker exited or failed while starting, with the engine's own words. */
export class WorkerDied extends Schema.TaggedError<WorkerDied>()("WorkerDied", {
  detail: Schema.String
}) {
  override get message() {
    return `the worker stopped while starting: ${this.detail}`
  }
}

export class RuntimeFailed extends Schema.TaggedError<RuntimeFailed>()("RuntimeFailed", {
  reason: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.reason}: ${this.detail}`
  }
}

export class ContainerManagerError extends Schema.TaggedError<ContainerManagerError>()("ContainerManagerError", {
  reason: Schema.Union([CapacityReached, TooManyStarts, StartTimedOut, WorkerDied, RuntimeFailed])
}) {
  override get message() {
    return this.reason.message
  }
}

export interface ContainerManagerOptions {
  readonly sessions: SessionStore
  /** The worker's environment for an account (Redis, Telegram credentials, its session key). */
  readonly workerSpec: (phone: PhoneNumber) => Effect.Effect<WorkerSpec>
  readonly maxRunning: number
  readonly maxConcurrentStarts: number
  /** How long a start may take until the worker reports `WorkerStarted`. */
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
  /** Starts the account's worker (or reuses a running one with the same configuration) and waits until it runs. */
  readonly createContainer: (
    phone: PhoneNumber,
    onProgress?: (step: StartStep) => Effect.Effect<void>
  ) => Effect.Effect<ContainerStatus, ContainerManagerError>
  /** Stops and removes the account's worker, keeping its data; stopping a worker that is gone succeeds. */
  readonly stopContainer: (phone: PhoneNumber) => Effect.Effect<void, ContainerManagerError>
  readonly getContainerStatus: (phone: PhoneNumber) => Effect.Effect<ContainerStatus, ContainerManagerError>
  readonly listContainers: Effect.Effect<ReadonlyArray<ContainerStatus>, ContainerManagerError>
  /**
   * Every update read from an account's updates queue passes here: any update is a sign of life, and
   * `WorkerStarted` completes a start. The control plane's updates consumer calls it. Heartbeats do not travel
   * as updates: each liveness check reads them (`Queue.lastBeats`), and a beat, too, completes a start.
   */
  readonly observe: (message: UpdateMessage) => Effect.Effect<void>
  /** The accounts whose worker went into a crash loop and was left stopped, as it happens. */
  readonly crashLoops: Stream.Stream<PhoneNumber>
  /** The accounts whose worker is asked to start, as it is asked (before it starts): their updates are to be read. */
  readonly starts: Stream.Stream<PhoneNumber>
}>()("@vigia/control/sessions/manager/ContainerManager") {}

interface Tracked {
  phase: "starting" | "running" | "restarting" | "crash-loop"
  lastSeen: number
  lastPersisted: number
  /** Times of the restarts within the crash-loop window. */
  restarts: Array<number>
  nextAttemptAt: number
  detail: Option.Option<string>
}

/** A start waiting for its worker's first word. */
interface PendingStart {
  readonly since: number
  readonly started: Deferred.Deferred<void>
}

/** Messages stamped a little before a start still count: clocks of two machines differ a little. */
const clockSkewMillis = 2_000

const runtimeFailed = (error: ContainerRuntimeError) =>
  new ContainerManagerError({ reason: new RuntimeFailed({ reason: error.reason, detail: error.message }) })

export const make = Effect.fnUntraced(function*(options: ContainerManagerOptions) {
  const runtime = yield* ContainerRuntime
  const queue = yield* Queue
  const scope = yield* Scope.Scope
  const tracked = new Map<PhoneNumber, Tracked>()
  const pending = new Map<PhoneNumber, PendingStart>()
  const locks = new Map<PhoneNumber, Semaphore.Semaphore>()
  const starts = yield* Semaphore.make(options.maxConcurrentStarts)
  const crashLooped = yield* PubSub.unbounded<PhoneNumber>()
  const startsAsked = yield* PubSub.unbounded<PhoneNumber>()
  let startsInFlight = 0

  /** One operation at a time per account: concurrent creates of one account start one worker. */
  const locked = <A, E, R>(phone: PhoneNumber, effect: Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      let lock = locks.get(phone)
      if (lock === undefined) {
        lock = Semaphore.makeUnsafe(1)
        locks.set(phone, lock)
      }
      return Semaphore.withPermit(lock, effect)
    })

  /** Counts the starts in flight (a user's or a restart), for the refusal's numbers. */
  const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(Effect.sync(() => startsInFlight++), () => effect, () => Effect.sync(() => startsInFlight--))

  const log = (phone: PhoneNumber) => Effect.annotateLogs({ phone: mask(phone), runtime: runtime.kind })

  /** The sessions table is a record, not a dependency of running workers: its failures are logged, not raised. */
  const record = <A>(phone: PhoneNumber, what: string, effect: Effect.Effect<A, unknown>) =>
    effect.pipe(
      Effect.asVoid,
      Effect.catchCause((cause) => Effect.logWarning(`could not record ${what} in the sessions table`, cause).pipe(log(phone)))
    )

  const observeState = (phone: PhoneNumber, state: ObservedState, details: { runtimeRef?: string; error?: string } = {}) =>
    record(phone, `the state ${state}`, options.sessions.setObserved(phone, state, details))

  const setDesired = (phone: PhoneNumber, desired: "running" | "stopped") =>
    record(phone, `the desired state ${desired}`, options.sessions.setDesired(phone, desired))

  /**
   * The worker of `phone` was heard from at `seenAt`. A start still waiting completes with word from the new
   * worker: said at `saidAt`, at least `since - slack` (no word that can complete a start: `undefined`).
   */
  const heardFrom = (phone: PhoneNumber, seenAt: number, saidAt: number | undefined, slack: number) => {
    const entry = tracked.get(phone)
    if (entry !== undefined) entry.lastSeen = Math.max(entry.lastSeen, seenAt)
    const start = pending.get(phone)
    return start !== undefined && saidAt !== undefined && saidAt >= start.since - slack
      ? Deferred.succeed(start.started, undefined).pipe(Effect.asVoid)
      : Effect.void
  }

  const observe = (message: UpdateMessage) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      heardFrom(
        message.phoneNumber,
        now,
        message.update._tag === "WorkerStarted" ? message.timestamp : undefined,
        clockSkewMillis
      ))

  /** The heartbeats of every account tracked or starting, in one read: each is a sign of life. */
  const readBeats = Effect.gen(function*() {
    const phones = [...new Set([...tracked.keys(), ...pending.keys()])]
    if (phones.length === 0) return
    const beats = yield* queue.lastBeats(phones)
    // No slack for a beat: the replaced worker's last beat, just before the start, must not complete it.
    yield* Effect.forEach(beats, ([phone, beat]) => heardFrom(phone, beat.at, beat.at, 0), { discard: true })
  })

  /** Fails as soon as the runtime says the worker is gone, exited or failed (a Swarm task rejected, say). */
  const watchRuntime = (phone: PhoneNumber) =>
    runtime.status(phone).pipe(
      Effect.mapError(runtimeFailed),
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new ContainerManagerError({ reason: new WorkerDied({ detail: "the worker is gone" }) })),
        onSome: (worker) =>
          worker.state === "exited" || worker.state === "failed"
            ? Effect.fail(new ContainerManagerError({
              reason: new WorkerDied({ detail: Option.getOrElse(worker.detail, () => worker.state) })
            }))
            : Effect.succeed(worker)
      })),
      Effect.repeat(Schedule.spaced(options.checkInterval)),
      Effect.andThen(Effect.never)
    )

  /** Creates the worker with the runtime and waits for its `WorkerStarted`, or fails and leaves nothing behind. */
  const launch = Effect.fnUntraced(function*(phone: PhoneNumber, onProgress: (step: StartStep) => Effect.Effect<void>) {
    const spec = yield* options.workerSpec(phone)
    const since = yield* Clock.currentTimeMillis
    const started = yield* Deferred.make<void>()
    pending.set(phone, { since, started })
    yield* onProgress({ _tag: "Creating" })
    const worker = yield* runtime.create(spec).pipe(Effect.mapError(runtimeFailed))
    yield* onProgress({ _tag: "WaitingForWorker", workerId: worker.id })
    yield* Deferred.await(started).pipe(
      Effect.raceFirst(watchRuntime(phone)),
      Effect.timeoutOrElse({
        duration: options.startTimeout,
        orElse: () =>
          Effect.fail(new ContainerManagerError({
            reason: new StartTimedOut({ seconds: Duration.toSeconds(options.startTimeout) })
          }))
      })
    )
    return worker
  }, (effect, phone) =>
    effect.pipe(
      Effect.ensuring(Effect.sync(() => pending.delete(phone))),
      Effect.tapError(() =>
        runtime.stop(phone).pipe(
          Effect.catchCause((cause) => Effect.logWarning("could not clean up after a failed start", cause)),
          log(phone)
        )
      )
    ))

  const markRunning = Effect.fnUntraced(function*(phone: PhoneNumber, worker: Worker) {
    const now = yield* Clock.currentTimeMillis
    const entry = tracked.get(phone)
    if (entry === undefined) {
      tracked.set(phone, { phase: "running", lastSeen: now, lastPersisted: 0, restarts: [], nextAttemptAt: 0, detail: Option.none() })
    } else {
      entry.phase = "running"
      entry.lastSeen = Math.max(entry.lastSeen, now)
      entry.detail = Option.none()
    }
    yield* observeState(phone, "running", { runtimeRef: worker.id })
  })

  const activeCount = (except: PhoneNumber) =>
    [...tracked].filter(([phone, entry]) => phone !== except && entry.phase !== "crash-loop").length

  const statusOf = (phone: PhoneNumber, worker: Option.Option<Worker>): ContainerStatus => {
    const entry = tracked.get(phone)
    if (entry === undefined) {
      return {
        phone,
        state: Option.isSome(worker) ? "unmanaged" : "stopped",
        worker,
        lastSeen: Option.none(),
        restarts: 0,
        detail: Option.flatMap(worker, (w) => w.detail)
      }
    }
    return {
      phone,
      state: entry.phase,
      worker,
      lastSeen: entry.lastSeen > 0 ? Option.some(new Date(entry.lastSeen)) : Option.none(),
      restarts: entry.restarts.length,
      detail: Option.orElse(entry.detail, () => Option.flatMap(worker, (w) => w.detail))
    }
  }

  const getContainerStatus = Effect.fn("ContainerManager.getContainerStatus")(function*(phone: PhoneNumber) {
    const worker = yield* runtime.status(phone).pipe(Effect.mapError(runtimeFailed))
    return statusOf(phone, worker)
  })

  /** A start the user asked for: on failure nothing is left and the session is no longer wanted. */
  const startNew = Effect.fnUntraced(function*(phone: PhoneNumber, onProgress: (step: StartStep) => Effect.Effect<void>) {
    const now = yield* Clock.currentTimeMillis
    // Asked for again: a crash loop's history is forgiven.
    tracked.set(phone, { phase: "starting", lastSeen: 0, lastPersisted: 0, restarts: [], nextAttemptAt: 0, detail: Option.none() })
    yield* setDesired(phone, "running")
    yield* observeState(phone, "starting")
    const worker = yield* launch(phone, onProgress).pipe(
      Effect.tapError((error) =>
        Effect.gen(function*() {
          tracked.delete(phone)
          yield* setDesired(phone, "stopped")
          yield* observeState(phone, "stopped", { error: error.message })
          yield* Effect.logWarning("worker did not start", error.message).pipe(log(phone))
        })
      )
    )
    yield* markRunning(phone, worker)
    const seconds = ((yield* Clock.currentTimeMillis) - now) / 1000
    yield* Effect.logInfo("worker started", { seconds }).pipe(log(phone))
    yield* onProgress({ _tag: "Ready", reused: false })
    return statusOf(phone, Option.some(worker))
  })

  const createContainer = Effect.fn("ContainerManager.createContainer")(function*(
    phone: PhoneNumber,
    onProgress: (step: StartStep) => Effect.Effect<void> = () => Effect.void
  ) {
    yield* PubSub.publish(startsAsked, phone)
    return yield* locked(phone, Effect.gen(function*() {
      const spec = yield* options.workerSpec(phone)
      const hash = yield* runtime.configHash(spec).pipe(Effect.mapError(runtimeFailed))
      const current = yield* runtime.status(phone).pipe(Effect.mapError(runtimeFailed))
      const entry = tracked.get(phone)
      if (
        Option.isSome(current) && current.value.state === "running" && current.value.configHash === hash &&
        (entry === undefined || entry.phase === "running")
      ) {
        yield* markRunning(phone, current.value)
        yield* setDesired(phone, "running")
        yield* onProgress({ _tag: "Ready", reused: true })
        return statusOf(phone, current)
      }
      const running = activeCount(phone)
      if (running >= options.maxRunning) {
        return yield* new ContainerManagerError({ reason: new CapacityReached({ running, limit: options.maxRunning }) })
      }
      const started = yield* Semaphore.withPermitsIfAvailable(starts, 1)(counted(startNew(phone, onProgress)))
      if (Option.isNone(started)) {
        return yield* new ContainerManagerError({
          reason: new TooManyStarts({ starting: startsInFlight, limit: options.maxConcurrentStarts })
        })
      }
      return started.value
    }))
  })

  const stopContainer = Effect.fn("ContainerManager.stopContainer")(function*(phone: PhoneNumber) {
    yield* locked(phone, Effect.gen(function*() {
      tracked.delete(phone)
      yield* setDesired(phone, "stopped")
      yield* runtime.stop(phone).pipe(Effect.mapError(runtimeFailed))
      yield* observeState(phone, "stopped")
      yield* Effect.logInfo("worker stopped").pipe(log(phone))
    }))
  })

  const listContainers = Effect.gen(function*() {
    const workers = yield* runtime.list.pipe(Effect.mapError(runtimeFailed))
    const byPhone = new Map(workers.map((worker) => [worker.phone, worker] as const))
    const phones = new Set([...byPhone.keys(), ...tracked.keys()])
    return [...phones].map((phone) => statusOf(phone, Option.fromNullishOr(byPhone.get(phone))))
  }).pipe(Effect.withSpan("ContainerManager.listContainers"))

  // ---------------------------------------------------------------------------------------------------------
  // Liveness: dead or silent workers are restarted with backoff; too many restarts is a crash loop.

  const backoffFor = (attempt: number) =>
    Math.min(Duration.toMillis(options.restartBackoff) * 2 ** Math.max(0, attempt - 1), Duration.toMillis(options.maxBackoff))

  const scheduleRestart = Effect.fnUntraced(function*(phone: PhoneNumber, entry: Tracked, reason: string) {
    const now = yield* Clock.currentTimeMillis
    const windowStart = now - Duration.toMillis(options.crashLoopWindow)
    entry.restarts = [...entry.restarts.filter((at) => at > windowStart), now]
    entry.detail = Option.some(reason)
    if (entry.restarts.length > options.crashLoopRestarts) {
      entry.phase = "crash-loop"
      const error = `crash loop: ${entry.restarts.length - 1} restarts in ${Duration.format(options.crashLoopWindow)}, last: ${reason}`
      entry.detail = Option.some(error)
      yield* Effect.logError("worker is in a crash loop: left stopped until it is started again", reason).pipe(log(phone))
      yield* runtime.stop(phone).pipe(
        Effect.catchCause((cause) => Effect.logWarning("could not stop a crash-looping worker", cause)),
        log(phone)
      )
      yield* setDesired(phone, "stopped")
      yield* observeState(phone, "crash-loop", { error })
      yield* PubSub.publish(crashLooped, phone)
      return
    }
    entry.phase = "restarting"
    const delay = backoffFor(entry.restarts.length)
    entry.nextAttemptAt = now + delay
    yield* Effect.logWarning("worker restart scheduled", { reason, inSeconds: delay / 1000 }).pipe(log(phone))
    yield* observeState(phone, "restarting", { error: reason })
  })

  /** Replaces the account's worker (a silent one is stopped first) and waits for it, as a start does. */
  const restart = (phone: PhoneNumber) =>
    locked(phone, Effect.gen(function*() {
      const entry = tracked.get(phone)
      if (entry === undefined || entry.phase !== "restarting") return
      entry.phase = "starting"
      const outcome = yield* runtime.stop(phone).pipe(
        Effect.mapError(runtimeFailed),
        Effect.andThen(Semaphore.withPermits(starts, 1)(counted(launch(phone, () => Effect.void)))),
        Effect.result
      )
      if (tracked.get(phone) !== entry) return
      if (outcome._tag === "Success") {
        yield* markRunning(phone, outcome.success)
        yield* Effect.logInfo("worker restarted").pipe(log(phone))
      } else {
        yield* scheduleRestart(phone, entry, outcome.failure.message)
      }
    }))

  const check = Effect.gen(function*() {
    // Unread beats would look like silence: when they cannot be read, this round judges nothing.
    yield* readBeats
    const now = yield* Clock.currentTimeMillis
    const workers = yield* runtime.list
    const byPhone = new Map(workers.map((worker) => [worker.phone, worker] as const))
    for (const [phone, entry] of tracked) {
      if (entry.phase === "running") {
        const worker = byPhone.get(phone)
        const silentFor = now - entry.lastSeen
        if (worker === undefined) yield* scheduleRestart(phone, entry, "the worker is gone")
        else if (worker.state === "exited" || worker.state === "failed") {
          yield* scheduleRestart(phone, entry, Option.getOrElse(worker.detail, () => worker.state))
        } else if (silentFor > Duration.toMillis(options.silenceThreshold)) {
          yield* scheduleRestart(phone, entry, `silent for ${Math.round(silentFor / 1000)} s`)
        } else if (entry.lastSeen - entry.lastPersisted >= Duration.toMillis(options.heartbeatPersistInterval)) {
          entry.lastPersisted = entry.lastSeen
          yield* record(phone, "a heartbeat", options.sessions.heartbeat(phone, new Date(entry.lastSeen)))
        }
      }
      if (entry.phase === "restarting" && entry.nextAttemptAt <= now) {
        yield* Effect.forkIn(restart(phone).pipe(log(phone)), scope)
      }
    }
  })

  yield* check.pipe(
    Effect.catchCause((cause) => Effect.logWarning("liveness check failed", cause)),
    Effect.repeat(Schedule.spaced(options.checkInterval)),
    Effect.forkScoped
  )

  // ---------------------------------------------------------------------------------------------------------
  // Adoption: what the runtime runs, reconciled with what the sessions table wants.

  const reconcile = Effect.gen(function*() {
    const wanted = new Set(yield* options.sessions.wanted)
    const workers = yield* runtime.list
    const now = yield* Clock.currentTimeMillis
    const [orphans, kept] = [workers.filter((w) => !wanted.has(w.phone)), workers.filter((w) => wanted.has(w.phone))]
    yield* Effect.forEach(orphans, (worker) =>
      runtime.stop(worker.phone).pipe(
        Effect.andThen(Effect.logInfo("removed a worker nothing wants")),
        Effect.catchCause((cause) => Effect.logWarning("could not remove a worker nothing wants", cause)),
        log(worker.phone)
      ), { concurrency: options.maxConcurrentStarts, discard: true })
    for (const worker of kept) {
      const hash = yield* Effect.flatMap(options.workerSpec(worker.phone), runtime.configHash)
      const healthy = (worker.state === "running" || worker.state === "starting") && worker.configHash === hash
      tracked.set(worker.phone, {
        phase: healthy ? "running" : "restarting",
        lastSeen: now,
        lastPersisted: 0,
        restarts: [],
        nextAttemptAt: now,
        detail: healthy ? Option.none() : Option.some(worker.configHash === hash ? `found ${worker.state}` : "its configuration changed")
      })
      if (healthy) yield* observeState(worker.phone, "running", { runtimeRef: worker.id })
      yield* Effect.logInfo(healthy ? "adopted a running worker" : "worker to restart").pipe(log(worker.phone))
    }
    const present = new Set(workers.map((worker) => worker.phone))
    for (const phone of wanted) {
      if (present.has(phone)) continue
      tracked.set(phone, {
        phase: "restarting",
        lastSeen: 0,
        lastPersisted: 0,
        restarts: [],
        nextAttemptAt: now,
        detail: Option.some("the worker was missing")
      })
      yield* Effect.logInfo("worker missing: starting it").pipe(log(phone))
    }
    yield* Effect.logInfo("workers reconciled", { found: workers.length, orphans: orphans.length, wanted: wanted.size })
  })

  yield* reconcile.pipe(Effect.catchCause((cause) => Effect.logError("could not reconcile workers at start", cause)))

  return ContainerManager.of({
    createContainer,
    stopContainer,
    getContainerStatus,
    listContainers,
    observe,
    crashLoops: Stream.fromPubSub(crashLooped),
    starts: Stream.fromPubSub(startsAsked)
  })
})

/** The manager over the `ContainerRuntime` and `Queue` in context; it adopts what runs as it starts. */
export const layer = (options: ContainerManagerOptions) => Layer.effect(ContainerManager, make(options))

/** States the worker's own updates set (`authorized`, `waiting-for-code`, …) that a healthy worker keeps. */
const lifecycleStates: ReadonlySet<string> = new Set(["starting", "stopped", "dead"])

/**
 * The `sessions` table (the data layer's `Sessions`) as the manager's `SessionStore`. The manager writes only
 * lifecycle states: `running` replaces `starting`, `stopped` or `dead` but never what the account reported
 * (`authorized`, …); a restart or a crash loop is `dead` with its reason as the last error. An account with no
 * session row is left alone.
 */
export const sessionStore = (sessions: Sessions["Service"]): SessionStore => {
  const unlessMissing = <A>(effect: Effect.Effect<A, SessionsError | DatabaseError>) =>
    effect.pipe(Effect.asVoid, Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.void))
  return {
    wanted: Effect.map(sessions.list({ desired: "running" }), (rows) => rows.map((row) => row.phoneNumber)),
    setDesired: (phone, desired) => unlessMissing(sessions.setDesired(phone, desired)),
    setObserved: (phone, observed, details) =>
      unlessMissing(Effect.gen(function*() {
        if (details.runtimeRef !== undefined) yield* sessions.setRuntimeRef(phone, details.runtimeRef)
        const error = details.error ?? null
        switch (observed) {
          case "running": {
            const session = yield* sessions.get(phone)
            if (lifecycleStates.has(session.observedState)) yield* sessions.recordObserved(phone, "running", null)
            return
          }
          case "restarting":
          case "crash-loop":
            return yield* sessions.recordObserved(phone, "dead", error ?? observed)
          case "starting":
          case "stopped":
            return yield* sessions.recordObserved(phone, observed, error)
          case "unmanaged":
            return
        }
      })),
    heartbeat: (phone) => unlessMissing(sessions.heartbeat(phone))
  }
}

/** The manager over the runtime in context and the data layer's `Sessions`. */
export const layerSessions = (options: Omit<ContainerManagerOptions, "sessions">) =>
  Layer.effect(
    ContainerManager,
    Effect.gen(function*() {
      const sessions = yield* Sessions
      return yield* make({ ...options, sessions: sessionStore(sessions) })
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Configuration

/**
 * The worker's environment from the control plane's: `WORKER_REDIS_URL` (default `REDIS_URL`), `QUEUE_PREFIX`,
 * `TDL_DRIVER` (with `TELEGRAM_API_ID`, `TELEGRAM_API_HASH` and the optional `TDL_DATABASE_ENCRYPTION_KEY` for
 * `tdlib`, the optional `FAKE_TDL_SCRIPT` for `fake`), `WORKER_LOG_FORMAT`, `WORKER_HEARTBEAT_INTERVAL` (seconds),
 * and each account's session key from `SessionKeys`.
 */
export const workerSpecConfig = Effect.gen(function*() {
  const keys = yield* SessionKeys
  // None with the inline runtime: its workers use the control plane's own queue.
  const redisUrl = yield* Config.option(
    Config.Redacted("WORKER_REDIS_URL").pipe(Config.orElse(() => Config.Redacted("REDIS_URL")))
  ).pipe(Effect.map(Option.getOrUndefined))
  const queuePrefix = yield* Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull"))
  const driver = yield* Config.Literals(["tdlib", "fake"], "TDL_DRIVER").pipe(Config.withDefault("tdlib" as const))
  const optional = <A>(config: Config.Config<A>) => Effect.map(Config.option(config), Option.getOrUndefined)
  const byDriver = driver === "tdlib"
    ? {
      environment: { TELEGRAM_API_ID: String(yield* Config.Int("TELEGRAM_API_ID")) },
      secrets: {
        TELEGRAM_API_HASH: yield* Config.Redacted("TELEGRAM_API_HASH"),
        TDL_DATABASE_ENCRYPTION_KEY: yield* optional(Config.Redacted("TDL_DATABASE_ENCRYPTION_KEY"))
      }
    }
    : { environment: { FAKE_TDL_SCRIPT: yield* optional(Config.String("FAKE_TDL_SCRIPT")) }, secrets: {} }
  const logFormat = yield* Config.Literals(["json", "pretty"], "WORKER_LOG_FORMAT").pipe(Config.withDefault("json" as const))
  const heartbeat = yield* Config.Int("WORKER_HEARTBEAT_INTERVAL").pipe(Config.withDefault(5))
  const defined = <A>(record: Record<string, A | undefined>) =>
    Object.fromEntries(Object.entries(record).filter((entry): entry is [string, A] => entry[1] !== undefined))
  return (phone: PhoneNumber) =>
    Effect.succeed<WorkerSpec>({
      phone,
      environment: defined({
        PHONE_NUMBER: phone,
        QUEUE_PREFIX: queuePrefix,
        TDL_DRIVER: driver,
        LOG_FORMAT: logFormat,
        HEARTBEAT_INTERVAL: String(heartbeat),
        ...byDriver.environment
      }),
      secrets: defined({ REDIS_URL: redisUrl, SESSION_KEY: keys.keyFor(phone), ...byDriver.secrets })
    })
})

/** The secret of the account labels' keyed hash: derived from the session master secret, for labels only. */
const accountKeySecretConfig = Effect.map(masterSecret, (master) =>
  Redacted.make(
    Buffer.from(Crypto.hkdfSync("sha256", Redacted.value(master), "vigia/account-label/v1", "labels", 32)).toString("hex")
  ))

const engineOptionsConfig = Effect.gen(function*() {
  const socketPath = yield* Config.option(Config.String("DOCKER_SOCKET"))
  return {
    image: yield* Config.String("WORKER_IMAGE").pipe(Config.withDefault("vigia/session-worker:latest")),
    deployment: yield* Config.String("WORKER_DEPLOYMENT").pipe(Config.withDefault("default")),
    accountKeySecret: yield* accountKeySecretConfig,
    network: yield* Config.String("WORKER_NETWORK").pipe(Config.withDefault("bridge")),
    memoryBytes: (yield* Config.Int("WORKER_MEMORY_MB").pipe(Config.withDefault(256))) * 1024 * 1024,
    pidsLimit: yield* Config.Int("WORKER_PIDS_LIMIT").pipe(Config.withDefault(256)),
    stopGracePeriod: yield* Config.Duration("WORKER_STOP_GRACE").pipe(Config.withDefault(Duration.seconds(20))),
    ...Option.match(socketPath, { onNone: () => ({}), onSome: (path) => ({ socketPath: path }) })
  }
})

/**
 * The runtime `ControlSettings` names (`CONTAINER_RUNTIME`: `inline` with no Redis, else `process`, `docker` or
 * `swarm`), with its settings from the environment. `inline` needs the control plane's `Queue`.
 */
export const runtimeLayerConfig = Layer.unwrap(Effect.gen(function*() {
  const { runtime: kind } = yield* ControlSettings
  const deployment = yield* Config.String("WORKER_DEPLOYMENT").pipe(Config.withDefault("default"))
  const dataRoot = Config.String("WORKER_DATA_DIR").pipe(Config.withDefault("data/sessions"))
  const stopGracePeriod = Config.Duration("WORKER_STOP_GRACE").pipe(Config.withDefault(Duration.seconds(20)))
  switch (kind) {
    case "inline":
      return InlineRuntime.layer({ dataRoot: yield* dataRoot, stopGracePeriod: yield* stopGracePeriod })
    case "process":
      return ProcessRuntime.layer({
        entry: yield* Config.String("WORKER_ENTRY").pipe(Config.withDefault(ProcessRuntime.defaultEntry)),
        dataRoot: yield* dataRoot,
        deployment,
        stopGracePeriod: yield* stopGracePeriod
      })
    case "docker":
      return DockerRuntime.layer({
        ...(yield* engineOptionsConfig),
        restartRetries: yield* Config.Int("WORKER_RESTART_RETRIES").pipe(Config.withDefault(5))
      })
    case "swarm":
      return SwarmRuntime.layer({
        ...(yield* engineOptionsConfig),
        constraints: yield* Config.Array(Schema.String, "SWARM_CONSTRAINTS").pipe(Config.withDefault([])),
        restartDelay: yield* Config.Duration("SWARM_RESTART_DELAY").pipe(Config.withDefault(Duration.seconds(5))),
        restartAttempts: yield* Config.Int("SWARM_RESTART_ATTEMPTS").pipe(Config.withDefault(5)),
        imageById: yield* Config.Boolean("SWARM_IMAGE_BY_ID").pipe(Config.withDefault(false))
      })
  }
}))

/** The manager's policy from the environment (`MAX_SESSIONS`, `MAX_CONCURRENT_STARTS`, `WORKER_*` timings). */
export const optionsConfig = Effect.gen(function*() {
  const duration = (name: string, fallback: Duration.Duration) => Config.Duration(name).pipe(Config.withDefault(fallback))
  return {
    workerSpec: yield* workerSpecConfig,
    maxRunning: yield* Config.Int("MAX_SESSIONS").pipe(Config.withDefault(100)),
    maxConcurrentStarts: yield* Config.Int("MAX_CONCURRENT_STARTS").pipe(Config.withDefault(4)),
    startTimeout: yield* duration("WORKER_START_TIMEOUT", Duration.seconds(60)),
    checkInterval: yield* duration("WORKER_CHECK_INTERVAL", Duration.seconds(5)),
    silenceThreshold: yield* duration("WORKER_SILENCE_THRESHOLD", Duration.seconds(30)),
    restartBackoff: yield* duration("WORKER_RESTART_BACKOFF", Duration.seconds(2)),
    maxBackoff: yield* duration("WORKER_MAX_BACKOFF", Duration.minutes(5)),
    crashLoopRestarts: yield* Config.Int("WORKER_CRASH_LOOP_RESTARTS").pipe(Config.withDefault(5)),
    crashLoopWindow: yield* duration("WORKER_CRASH_LOOP_WINDOW", Duration.minutes(10)),
    heartbeatPersistInterval: yield* duration("WORKER_HEARTBEAT_PERSIST_INTERVAL", Duration.seconds(30))
  } satisfies Omit<ContainerManagerOptions, "sessions">
})

/** The manager, its runtime and policy configured from the environment, over the data layer's `Sessions`. */
export const layerConfig = Layer.unwrap(Effect.map(optionsConfig, layerSessions)).pipe(Layer.provide(runtimeLayerConfig))
