/**
 * A pool worker: one process hosting several accounts, each the same worker `Program.make` runs alone, with its
 * own TDLib client, folder, queues (as its own Redis user), session key and TDLib key. The pool reads its roster
 * every `rosterInterval` and starts, restarts (its environment changed) or stops accounts to match it, and erases
 * the folders of the accounts its erasures note lists (`PoolErasures`). An account that fails (its TDLib closes,
 * its layer dies) is restarted alone, with backoff; the others never notice.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { SecretBox } from "@vigia/protocol/SecretBox"
import {
  Cause,
  Clock,
  ConfigProvider,
  Context,
  Duration,
  Effect,
  Exit,
  type FileSystem,
  Layer,
  Option,
  Schedule,
  Scope
} from "effect"
import type { PoolSettings } from "./PoolConfig.ts"
import * as PoolErasures from "./PoolErasures.ts"
import * as Program from "./Program.ts"
import { Tdl } from "./tdlib/Tdl.ts"
import { programSettings, workerSettings } from "./WorkerConfig.ts"

/** How long a stopping account may take to close TDLib before it is abandoned. */
const stopGrace = Duration.seconds(20)

/**
 * A failed account waits a second before its restart, twice as long after each failure in a row, up to a minute;
 * an account that ran a minute before failing starts its count afresh.
 */
const backoffMillis = (failures: number) => Math.min(1_000 * 2 ** (failures - 1), 60_000)
const freshAfterMillis = 60_000

/** Runs `account` again and again, with backoff, each failure reported: it ends only when interrupted. */
const supervise = <E, R>(account: Effect.Effect<never, E, R>) => {
  const loop = (failures: number): Effect.Effect<never, never, R> =>
    Effect.gen(function*() {
      const began = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(account)
      const ran = (yield* Clock.currentTimeMillis) - began
      const streak = ran >= freshAfterMillis ? 1 : failures + 1
      const delay = backoffMillis(streak)
      const reason = Exit.isFailure(exit) ? Cause.pretty(exit.cause).split("\n")[0] : "it ended"
      yield* Effect.logWarning("account failed in its pool: restarting it alone", { reason, failures: streak, inSeconds: delay / 1000 })
      yield* Effect.sleep(delay)
      return yield* loop(streak)
    })
  return loop(0)
}

interface Hosted {
  readonly hash: string
  readonly scope: Scope.Closeable
}

/**
 * The account's own worker over its own queue, as its own Redis user; over the pool's queue when the pool has no
 * Redis of its own (the inline runtime's, whose workers share the control plane's queue).
 */
const accountLayer = (environment: Record<string, string>, shared: Option.Option<Queue["Service"]>) =>
  Effect.gen(function*() {
    const provider = ConfigProvider.layer(ConfigProvider.fromEnv({ env: environment }))
    if (Option.isSome(shared)) {
      const worker = yield* workerSettings.pipe(Effect.provide(provider))
      return Program.make(worker).pipe(Layer.provide(Layer.succeed(Queue, shared.value)))
    }
    const { queue, worker } = yield* programSettings.pipe(Effect.provide(provider))
    return Program.make(worker).pipe(Layer.provide(Queue.layerBullMq(queue)))
  })

/** Runs the account until its TDLib closes or its layer fails: either way it ends in failure, to be restarted. */
const runAccount = (environment: Record<string, string>, shared: Option.Option<Queue["Service"]>) =>
  Effect.scoped(Effect.gen(function*() {
    const layer = yield* accountLayer(environment, shared)
    const context = yield* Layer.build(layer)
    yield* Context.get(context, Tdl).closed
    return yield* Effect.fail(new Error("TDLib closed"))
  }))

export const make = Effect.fnUntraced(function*(settings: PoolSettings) {
  const queue = yield* Queue
  const shared = Option.isNone(settings.redisUrl) ? Option.some(queue) : Option.none()
  const box = yield* SecretBox.make(settings.poolKey)
  const hosted = new Map<string, Hosted>()
  const poolScope = yield* Effect.scope

  const account = (phone: string) => Effect.annotateLogs({ account: mask(phone as PhoneNumber) })

  const start = Effect.fnUntraced(function*(phone: string, entry: Roster.RosterEntry) {
    const scope = yield* Scope.fork(poolScope)
    const supervised = Roster.open(box, entry.sealed).pipe(
      Effect.map((environment) => ({ ...environment, DATA_DIR: settings.dataDir, CONTAINER_ID: settings.containerId })),
      Effect.flatMap((environment) => runAccount(environment, shared)),
      supervise,
      account(phone)
    )
    yield* Effect.forkIn(supervised, scope)
    hosted.set(phone, { hash: entry.hash, scope })
    yield* Effect.logInfo("account started in its pool").pipe(account(phone))
  })

  const stop = Effect.fnUntraced(function*(phone: string) {
    const running = hosted.get(phone)
    if (running === undefined) return
    hosted.delete(phone)
    const closed = yield* Scope.close(running.scope, Exit.void).pipe(Effect.timeoutOption(stopGrace))
    yield* (Option.isNone(closed)
      ? Effect.logWarning("account did not stop in its grace period: abandoned")
      : Effect.logInfo("account stopped in its pool")).pipe(account(phone))
  })

  const eraseListed = yield* PoolErasures.make(settings, queue, stop)

  /** The version of the roster last followed. */
  let followed: string | undefined

  /** Brings the hosted accounts in line with the roster, and erases the listed ones, when its version changed. */
  const follow = Effect.gen(function*() {
    const version = yield* queue.readNote(settings.poolId, Roster.versionNote)
    if (version !== undefined && version === followed) return
    const roster = yield* Effect.flatMap(queue.readNote(settings.poolId, Roster.rosterNote), Roster.decode)
    const leaving = [...hosted].filter(([phone, running]) => roster[phone]?.hash !== running.hash).map(([phone]) => phone)
    yield* Effect.forEach(leaving, stop, { concurrency: "unbounded", discard: true })
    yield* eraseListed
    for (const [phone, entry] of Object.entries(roster)) {
      if (!hosted.has(phone)) yield* start(phone, entry)
    }
    followed = version
  })

  yield* follow.pipe(
    Effect.catchCause((cause) => Effect.logWarning("could not read the pool's roster; trying again", Cause.pretty(cause))),
    Effect.repeat(Schedule.spaced(settings.rosterInterval)),
    Effect.forkScoped
  )
  yield* Effect.addFinalizer(() => Effect.forEach([...hosted.keys()], stop, { concurrency: "unbounded", discard: true }))
  yield* Effect.logInfo("pool started")
})

/** The pool of `settings`, given the `Queue` its roster is read from (as the pool's user) and a `FileSystem`. */
export const layer = (settings: PoolSettings): Layer.Layer<never, never, Queue | FileSystem.FileSystem> =>
  Layer.effectDiscard(make(settings).pipe(Effect.orDie, Effect.annotateLogs({ pool: settings.poolId })))
