/**
 * Liveness: a worker is heard from through its updates and its heartbeats; a dead or silent one is restarted
 * with backoff, and too many restarts in too little time is a crash loop, left stopped and reported. Silence
 * counts only while heartbeats can be read: a Redis outage makes no worker look dead.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { UpdateMessage } from "@vigia/protocol/Messages"
import { Clock, Duration, Effect, Option, PubSub, Schedule, Semaphore } from "effect"
import { runtimeFailed } from "./ContainerManagerError.ts"
import type { ManagerContext, WorkerDown } from "./ManagerContext.ts"
import { launch, markRunning } from "./Starts.ts"
import type { Tracked } from "./WorkerTable.ts"

/** Messages stamped a little before a start still count: clocks of two machines differ a little. */
const clockSkewMillis = 2_000

/** Any update is a sign of life; `WorkerStarted` completes a start. */
export const observe = (context: ManagerContext) => (message: UpdateMessage) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    context.table.heardFrom(
      message.phoneNumber,
      now,
      message.update._tag === "WorkerStarted" ? message.timestamp : undefined,
      clockSkewMillis
    ))

/**
 * Whether heartbeats could be read at the last check, and since when they can again: the silence clock of a
 * worker last heard from before then starts there, so every worker gets one silence threshold to beat again.
 */
interface BeatsReadable {
  readable: boolean
  since: number
}

/** The heartbeats of every account tracked or starting, in one read: each is a sign of life. */
const readBeats = Effect.fnUntraced(function*(context: ManagerContext) {
  const { table } = context
  const phones = [...new Set([...table.workers.keys(), ...table.pending.keys()])]
  if (phones.length === 0) return
  const beats = yield* context.queue.lastBeats(phones)
  // No slack for a beat: the replaced worker's last beat, just before the start, must not complete it.
  yield* Effect.forEach(beats, ([phone, beat]) => table.heardFrom(phone, beat.at, beat.at, 0), { discard: true })
})

/** Reads the beats; whether they could be read, with a log line when that changes. */
const readBeatsOrNot = Effect.fnUntraced(function*(context: ManagerContext, beats: BeatsReadable) {
  const read = yield* readBeats(context).pipe(Effect.result)
  const now = yield* Clock.currentTimeMillis
  if (read._tag === "Failure") {
    if (beats.readable) {
      yield* Effect.logWarning("workers' heartbeats cannot be read: no worker is judged silent until they can", read.failure.message)
    }
    beats.readable = false
    return false
  }
  if (!beats.readable) {
    yield* Effect.logInfo("workers' heartbeats can be read again: each worker gets the silence threshold to beat", {
      thresholdSeconds: Duration.toSeconds(context.options.silenceThreshold)
    })
    beats.readable = true
    beats.since = now
  }
  return true
})

const backoffFor = (context: ManagerContext, attempt: number) =>
  Math.min(
    Duration.toMillis(context.options.restartBackoff) * 2 ** Math.max(0, attempt - 1),
    Duration.toMillis(context.options.maxBackoff)
  )

const scheduleRestart = Effect.fnUntraced(function*(context: ManagerContext, phone: PhoneNumber, entry: Tracked, reason: string) {
  const { options, record } = context
  const now = yield* Clock.currentTimeMillis
  const windowStart = now - Duration.toMillis(options.crashLoopWindow)
  entry.restarts = [...entry.restarts.filter((at) => at > windowStart), now]
  entry.detail = Option.some(reason)
  if (entry.restarts.length > options.crashLoopRestarts) {
    entry.phase = "crash-loop"
    const error = `crash loop: ${entry.restarts.length - 1} restarts in ${Duration.format(options.crashLoopWindow)}, last: ${reason}`
    entry.detail = Option.some(error)
    yield* Effect.logError("worker is in a crash loop: left stopped until it is started again", reason).pipe(context.log(phone))
    yield* context.runtime.stop(phone).pipe(
      Effect.catchCause((cause) => Effect.logWarning("could not stop a crash-looping worker", cause)),
      context.log(phone)
    )
    yield* record.desired(phone, "stopped")
    yield* record.phase(phone, "crash-loop", { error })
    yield* PubSub.publish(context.crashLooped, phone)
    yield* PubSub.publish(context.workersDown, { phone, phase: "crash-loop" } satisfies WorkerDown)
    return
  }
  entry.phase = "restarting"
  const delay = backoffFor(context, entry.restarts.length)
  entry.nextAttemptAt = now + delay
  yield* Effect.logWarning("worker restart scheduled", { reason, inSeconds: delay / 1000 }).pipe(context.log(phone))
  yield* record.phase(phone, "restarting", { error: reason })
  yield* PubSub.publish(context.workersDown, { phone, phase: "restarting" } satisfies WorkerDown)
})

/** Replaces the account's worker (a silent one is stopped first) and waits for it, as a start does. */
const restart = (context: ManagerContext, phone: PhoneNumber) =>
  context.table.locked(phone, Effect.gen(function*() {
    const entry = context.table.workers.get(phone)
    if (entry === undefined || entry.phase !== "restarting") return
    entry.phase = "starting"
    const { counted, permits } = context.starts
    const outcome = yield* context.runtime.stop(phone).pipe(
      Effect.mapError(runtimeFailed),
      Effect.andThen(Semaphore.withPermits(permits, 1)(counted(launch(context, phone, () => Effect.void)))),
      Effect.result
    )
    if (context.table.workers.get(phone) !== entry) return
    if (outcome._tag === "Success") {
      yield* markRunning(context, phone, outcome.success)
      yield* Effect.logInfo("worker restarted").pipe(context.log(phone))
    } else {
      yield* scheduleRestart(context, phone, entry, outcome.failure.message)
    }
  }))

/** One round: every running worker that is gone, exited or silent gets a restart; heartbeats are persisted. */
const check = Effect.fnUntraced(function*(context: ManagerContext, beats: BeatsReadable) {
  const { options } = context
  // Unread beats would look like silence: when they cannot be read, this round judges nothing.
  if (!(yield* readBeatsOrNot(context, beats))) return
  const now = yield* Clock.currentTimeMillis
  const workers = yield* context.runtime.list
  const byPhone = new Map(workers.map((worker) => [worker.phone, worker] as const))
  for (const [phone, entry] of context.table.workers) {
    if (entry.phase === "running") {
      const worker = byPhone.get(phone)
      const silentFor = now - Math.max(entry.lastSeen, beats.since)
      if (worker === undefined) yield* scheduleRestart(context, phone, entry, "the worker is gone")
      else if (worker.state === "exited" || worker.state === "failed") {
        yield* scheduleRestart(context, phone, entry, Option.getOrElse(worker.detail, () => worker.state))
      } else if (silentFor > Duration.toMillis(options.silenceThreshold)) {
        yield* scheduleRestart(context, phone, entry, `silent for ${Math.round(silentFor / 1000)} s`)
      } else if (entry.lastSeen - entry.lastPersisted >= Duration.toMillis(options.heartbeatPersistInterval)) {
        entry.lastPersisted = entry.lastSeen
        yield* context.record.heartbeat(phone, new Date(entry.lastSeen))
      }
    }
    if (entry.phase === "restarting" && entry.nextAttemptAt <= now) {
      yield* Effect.forkIn(restart(context, phone).pipe(context.log(phone)), context.scope)
    }
  }
})

/** Checks the workers every `checkInterval` for as long as the manager's scope lasts. */
export const watch = (context: ManagerContext) =>
  Effect.suspend(() => {
    const beats: BeatsReadable = { readable: true, since: 0 }
    return check(context, beats).pipe(
      Effect.catchCause((cause) => Effect.logWarning("liveness check failed", cause)),
      Effect.repeat(Schedule.spaced(context.options.checkInterval))
    )
  }).pipe(Effect.forkScoped)
