/**
 * Erasing a pooled account's data (`/apagar`): its folder lives in the pools' data, which only pools mount, so a
 * pool deletes it. The account's phone goes into the erasures note of the pool it last left, else of a running
 * one (started for the erasure when it does not run, and stopped after); the pool stops the account if it still runs there, deletes its folder and
 * acknowledges in a note of its own, written as its own Redis user (the account's user is deleted by then). No
 * acknowledgement in time fails the erasure as `Unavailable`, so that nothing else of the seller's is erased and
 * they are asked to try again. The account's phone is taken off the note either way.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { Duration, Effect, Schedule } from "effect"
import { type ContainerRuntime, ContainerRuntimeError, type WorkerSpec } from "../runtimes/ContainerRuntime.ts"

/** How long a pool may take to acknowledge an erasure, its own start included. */
export const defaultErasureTimeout = Duration.minutes(1)

export interface PoolErasureDeps {
  readonly queue: Queue["Service"]
  /** Where the pools run. */
  readonly hosts: ContainerRuntime["Service"]
  /** The rosters of the pools that run, shared with `Pools`, and the lock `Pools` changes them under. */
  readonly rosters: Map<PhoneNumber, ReadonlyMap<PhoneNumber, unknown>>
  readonly locked: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Reads the rosters back after a restart; run under the lock. */
  readonly load: Effect.Effect<void, ContainerRuntimeError>
  readonly poolSpec: (pool: PhoneNumber) => WorkerSpec
  readonly unavailable: (error: { readonly message: string }) => ContainerRuntimeError
  readonly timeout: Duration.Duration
  /** The pool that erases when no pool runs and the account left none this run. */
  readonly firstPool: PhoneNumber
}

export const make = (deps: PoolErasureDeps) => {
  const { queue, rosters } = deps
  /** The accounts each pool is erasing. */
  const pending = new Map<PhoneNumber, Set<PhoneNumber>>()
  /** The pool each account last left: its folder is in that pool's data (on a swarm, that pool's node's volume). */
  const lastPool = new Map<PhoneNumber, PhoneNumber>()

  /** Remembers the pool `phone` leaves. */
  const left = (phone: PhoneNumber, pool: PhoneNumber) => void lastPool.set(phone, pool)

  /** Whether `pool` is erasing an account: it must not be stopped meanwhile. */
  const busy = (pool: PhoneNumber) => (pending.get(pool)?.size ?? 0) > 0

  const writeErasures = (pool: PhoneNumber) =>
    queue.writeNote(pool, Roster.erasuresNote, Roster.encodeErasures([...(pending.get(pool) ?? [])])).pipe(
      Effect.mapError(deps.unavailable)
    )

  /** The pool to erase the account: the one it last left, else one that runs, else the first; started if it is not. */
  const choose = (phone: PhoneNumber) =>
    deps.locked(Effect.gen(function*() {
      yield* deps.load
      const running = rosters.keys().next()
      const pool = lastPool.get(phone) ?? (running.done === true ? deps.firstPool : running.value)
      if (!rosters.has(pool)) rosters.set(pool, new Map())
      pending.set(pool, (pending.get(pool) ?? new Set()).add(phone))
      return pool
    }))

  /** The account listed in the pool's erasures, its old acknowledgement gone, the pool started if it was not. */
  const announce = (pool: PhoneNumber, phone: PhoneNumber) =>
    deps.locked(Effect.gen(function*() {
      yield* queue.writeNote(pool, Roster.erasedNote(phone), undefined).pipe(Effect.mapError(deps.unavailable))
      yield* writeErasures(pool)
      yield* queue.writeNote(pool, Roster.versionNote, Roster.erasureVersion()).pipe(Effect.mapError(deps.unavailable))
      yield* deps.hosts.create(deps.poolSpec(pool))
    }))

  /** The account taken off the pool's erasures; the pool stopped if it was started for erasures only. */
  const unlist = (pool: PhoneNumber, phone: PhoneNumber) =>
    deps.locked(Effect.gen(function*() {
      pending.get(pool)?.delete(phone)
      if (!busy(pool)) pending.delete(pool)
      yield* writeErasures(pool)
      yield* queue.writeNote(pool, Roster.erasedNote(phone), undefined).pipe(Effect.mapError(deps.unavailable))
      if ((rosters.get(pool)?.size ?? 0) > 0 || busy(pool)) return
      rosters.delete(pool)
      yield* deps.hosts.stop(pool)
      yield* Effect.logInfo("pool stopped: its erasures are done and it hosts no account").pipe(Effect.annotateLogs({ pool }))
    }))

  const acknowledged = (pool: PhoneNumber, phone: PhoneNumber) =>
    queue.readNote(pool, Roster.erasedNote(phone)).pipe(
      Effect.mapError(deps.unavailable),
      Effect.repeat({ until: (text) => text !== undefined, schedule: Schedule.spaced("200 millis") }),
      Effect.timeoutOrElse({
        duration: deps.timeout,
        orElse: () =>
          Effect.fail(
            new ContainerRuntimeError({
              reason: "Unavailable",
              runtime: deps.hosts.kind,
              message: `pool ${pool} did not confirm the erasure of the account's folder within ${Duration.format(deps.timeout)}`
            })
          )
      })
    )

  const removeData = Effect.fn("Pools.removeData")(function*(phone: PhoneNumber) {
    const pool = yield* choose(phone)
    const outcome = yield* Effect.exit(Effect.andThen(announce(pool, phone), acknowledged(pool, phone)))
    yield* unlist(pool, phone)
    yield* outcome
    lastPool.delete(phone)
    yield* Effect.logInfo("pooled account's folder erased").pipe(Effect.annotateLogs({ phone: mask(phone), pool }))
  }, (effect, phone) =>
    Effect.tapError(effect, (error) =>
      Effect.logError("could not erase a pooled account's folder", error.message).pipe(
        Effect.annotateLogs({ phone: mask(phone) })
      )))

  return { busy, left, removeData }
}
