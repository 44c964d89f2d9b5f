/**
 * What the manager knows of each account's worker (its phase, when it was last heard from, its restarts), the
 * starts waiting for a worker's first word, one lock per account, and the status reported from all that.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Deferred, Effect, Option, Schema } from "effect"
import * as KeyedLocks from "../KeyedLocks.ts"
import type { Worker } from "../runtimes/ContainerRuntime.ts"

/** The manager's phase of an account's worker (the `sessions` table's `ObservedState` is the account's own). */
export const WorkerPhase = Schema.Literals([
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
export type WorkerPhase = typeof WorkerPhase.Type

export interface WorkerStatus {
  readonly phone: PhoneNumber
  readonly state: WorkerPhase
  /** The runtime's view: none when the runtime has no worker for the account. */
  readonly worker: Option.Option<Worker>
  readonly lastSeen: Option.Option<Date>
  /** Restarts within the crash-loop window. */
  readonly restarts: number
  readonly detail: Option.Option<string>
}

/** A worker the manager wants running. */
export interface Tracked {
  phase: "starting" | "running" | "restarting" | "crash-loop"
  lastSeen: number
  lastPersisted: number
  /** Times of the restarts within the crash-loop window. */
  restarts: Array<number>
  nextAttemptAt: number
  detail: Option.Option<string>
}

/** A fresh entry: nothing heard, nothing persisted, no restarts. */
export const tracked = (phase: Tracked["phase"], fields: Partial<Tracked> = {}): Tracked => ({
  phase,
  lastSeen: 0,
  lastPersisted: 0,
  restarts: [],
  nextAttemptAt: 0,
  detail: Option.none(),
  ...fields
})

/** A start waiting for its worker's first word. */
export interface PendingStart {
  readonly since: number
  readonly started: Deferred.Deferred<void>
}

export const make = () => {
  const workers = new Map<PhoneNumber, Tracked>()
  const pending = new Map<PhoneNumber, PendingStart>()
  /** One operation at a time per account: concurrent starts of one account start one worker. */
  const locked = KeyedLocks.make<PhoneNumber>()

  /**
   * The worker of `phone` was heard from at `seenAt`. A start still waiting completes with word from the new
   * worker: said at `saidAt`, at least `since - slack` (no word that can complete a start: `undefined`).
   */
  const heardFrom = (phone: PhoneNumber, seenAt: number, saidAt: number | undefined, slack: number) => {
    const entry = workers.get(phone)
    if (entry !== undefined) entry.lastSeen = Math.max(entry.lastSeen, seenAt)
    const start = pending.get(phone)
    return start !== undefined && saidAt !== undefined && saidAt >= start.since - slack
      ? Deferred.succeed(start.started, undefined).pipe(Effect.asVoid)
      : Effect.void
  }

  /** Workers wanted, besides `except`, that count against the cap (a crash loop does not). */
  const activeCount = (except: PhoneNumber) =>
    [...workers].filter(([phone, entry]) => phone !== except && entry.phase !== "crash-loop").length

  const statusOf = (phone: PhoneNumber, worker: Option.Option<Worker>): WorkerStatus => {
    const entry = workers.get(phone)
    const runtimeDetail = Option.flatMap(worker, (w) => w.detail)
    if (entry === undefined) {
      return {
        phone,
        state: Option.isSome(worker) ? "unmanaged" : "stopped",
        worker,
        lastSeen: Option.none(),
        restarts: 0,
        detail: runtimeDetail
      }
    }
    return {
      phone,
      state: entry.phase,
      worker,
      lastSeen: entry.lastSeen > 0 ? Option.some(new Date(entry.lastSeen)) : Option.none(),
      restarts: entry.restarts.length,
      detail: Option.orElse(entry.detail, () => runtimeDetail)
    }
  }

  return { workers, pending, locked, heardFrom, activeCount, statusOf }
}

export type WorkerTable = ReturnType<typeof make>
