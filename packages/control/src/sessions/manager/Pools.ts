/**
 * Pooled workers (`WORKER_ACCOUNTS_PER_PROCESS` above 1): a runtime whose accounts share worker processes. Each
 * account is still created, stopped and looked at on its own, so the manager's starts, liveness, restarts and
 * adoption work per account unchanged; underneath, an account is an entry of its pool's roster (its environment
 * sealed with the pool's key, in a Redis note only the pool's own user may read), and the pool is a worker of
 * the runtime beneath, created when its first account joins and stopped when its last one leaves. On Swarm, where
 * volumes are node-local, an account joins only a pool on the node holding its folder (`NodePins`).
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue, type QueueError } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, type Duration, Effect, Layer, Option, type Redacted, Semaphore } from "effect"
import {
  ContainerRuntime,
  ContainerRuntimeError,
  environmentOf,
  specDigest,
  type Worker,
  type WorkerSpec
} from "../runtimes/ContainerRuntime.ts"
import { NodePins } from "../runtimes/NodePins.ts"
import { withRedisUsers } from "../runtimes/WithRedisUsers.ts"
import { SessionKeys } from "../SessionKeys.ts"
import { WorkerRedisUsers } from "../WorkerRedisUsers.ts"
import { isPool, poolId, poolsData, spaceOf } from "./Placement.ts"
import * as PoolErasure from "./PoolErasure.ts"
import * as PoolJoin from "./PoolJoin.ts"

export interface PoolOptions {
  /** How many accounts one pool hosts at most. */
  readonly accountsPerProcess: number
  /** `WORKER_DEPLOYMENT`: its pools are named in a space of their own (`Placement.spaceOf`). */
  readonly deployment: string
  /** The plain variables every pool gets (`QUEUE_PREFIX`, `LOG_FORMAT`…); `POOL_ID` is added. */
  readonly environment: Readonly<Record<string, string>>
  /** The pool's key, which seals its roster's accounts. */
  readonly poolKeyFor: (pool: PhoneNumber) => Redacted.Redacted<string>
  /** The pool's own Redis URL (its user), where the runtime hands one. */
  readonly redisUrlFor: (pool: PhoneNumber) => Option.Option<Redacted.Redacted<string>>
  /** Where the pools and their accounts are pinned, on a runtime with nodes (Swarm); none elsewhere. */
  readonly pins?: NodePins["Service"] | undefined
  /** How long a pool may take to acknowledge an erasure; a minute unless given. */
  readonly erasureTimeout?: Duration.Duration
}

type Accounts = Map<PhoneNumber, Roster.RosterEntry>

/**
 * `base` running pools of `options.accountsPerProcess` accounts, their rosters kept in the `Queue`'s notes. The pools
 * themselves run on `hosts` (`base` with the pools' own Redis users); an account's own worker left from before
 * pooling is stopped on `base`, leaving the account's Redis user to its own wrapper.
 */
export const make = Effect.fnUntraced(function*(
  base: ContainerRuntime["Service"],
  options: PoolOptions,
  hosts: ContainerRuntime["Service"] = base
) {
  const queue = yield* Queue
  const rosters = new Map<PhoneNumber, Accounts>()
  const lock = yield* Semaphore.make(1)
  const locked = Semaphore.withPermits(lock, 1)
  let loaded = false

  const unavailable = (error: QueueError | { readonly message: string }) =>
    new ContainerRuntimeError({ reason: "Unavailable", runtime: base.kind, message: `pool roster: ${error.message}` })

  const poolOf = (phone: PhoneNumber) => [...rosters].find(([, accounts]) => accounts.has(phone))?.[0]
  const pins = options.pins
  const space = spaceOf(options.deployment)
  const join = PoolJoin.make({ rosters, accountsPerProcess: options.accountsPerProcess, space, pins })
  // A pool's record is its accounts', and its move is told to them: the pins read who a pool hosts from here.
  if (pins !== undefined) yield* pins.hosting((pool) => [...(rosters.get(pool)?.keys() ?? [])])

  const poolSpec = (pool: PhoneNumber): WorkerSpec => ({
    phone: pool,
    dataOf: poolsData(space),
    environment: { ...options.environment, POOL_ID: pool },
    secrets: {
      POOL_KEY: options.poolKeyFor(pool),
      ...Option.match(options.redisUrlFor(pool), { onNone: () => ({}), onSome: (url) => ({ REDIS_URL: url }) })
    }
  })

  /** The rosters of the pools that run, read back once (after the control plane restarts: adoption). */
  const load = Effect.gen(function*() {
    if (loaded) return
    const pools = (yield* hosts.list).filter((worker) => isPool(worker.phone))
    for (const pool of pools) {
      const text = yield* queue.readNote(pool.phone, Roster.rosterNote).pipe(Effect.mapError(unavailable))
      const roster = yield* Roster.decode(text).pipe(
        Effect.tapError(() => Effect.logWarning("a pool's roster does not read: its accounts are started again")),
        Effect.orElseSucceed((): Roster.Roster => ({}))
      )
      rosters.set(pool.phone, new Map(Object.entries(roster) as Array<[PhoneNumber, Roster.RosterEntry]>))
      // Erasures a stopped control plane left unfinished failed (their sellers were asked to retry): none is run later.
      yield* queue.writeNote(pool.phone, Roster.erasuresNote, undefined).pipe(Effect.mapError(unavailable))
    }
    loaded = true
  })

  /** The rosters loaded, waiting for the lock only the first time (a look never queues behind a create). */
  const loadedRosters = Effect.suspend(() => loaded ? Effect.void : locked(load))

  /** The roster, then its version: a pool that sees the new version reads the new roster. */
  const save = (pool: PhoneNumber, accounts: Accounts) => {
    const text = accounts.size === 0 ? undefined : Roster.encode(Object.fromEntries(accounts))
    return queue.writeNote(pool, Roster.rosterNote, text).pipe(
      Effect.andThen(queue.writeNote(pool, Roster.versionNote, text === undefined ? undefined : Roster.versionOf(text))),
      Effect.mapError(unavailable)
    )
  }

  const timeout = options.erasureTimeout ?? PoolErasure.defaultErasureTimeout
  const erasure = PoolErasure.make({ queue, hosts, rosters, locked, load, poolSpec, unavailable, timeout, firstPool: poolId(space, 1) })

  const configHash = (spec: WorkerSpec) =>
    Effect.succeed(specDigest(spec, { runtime: base.kind, accountsPerProcess: options.accountsPerProcess }))

  /** The account as the manager sees it: its pool's state and id, its own digest. */
  const accountOf = (phone: PhoneNumber, entry: Roster.RosterEntry, pool: Worker): Worker => ({
    ...pool,
    phone,
    configHash: entry.hash
  })

  const create = Effect.fn("Pools.create")(function*(spec: WorkerSpec) {
    const phone = spec.phone
    const hash = yield* configHash(spec)
    // One at a time: two accounts joining a new pool at once must not start it twice.
    const worker = yield* locked(Effect.gen(function*() {
      yield* load
      const current = poolOf(phone)
      // An account that ran isolated (before pooling was turned on) leaves its own worker first.
      if (current === undefined) yield* base.stop(phone)
      const pool = current ?? (yield* join(phone).pipe(Effect.mapError(unavailable)))
      const accounts = rosters.get(pool) ?? new Map()
      rosters.set(pool, accounts)
      if (accounts.get(phone)?.hash !== hash) {
        const box = yield* SecretBox.make(options.poolKeyFor(pool)).pipe(Effect.mapError(unavailable))
        accounts.set(phone, { hash, sealed: yield* Roster.seal(box, environmentOf(spec)) })
        yield* save(pool, accounts)
      }
      // The pool, created with its first account and replaced if it died; its other accounts are not touched.
      const created = yield* hosts.create(poolSpec(pool))
      yield* Effect.logInfo("account placed in its pool").pipe(Effect.annotateLogs({ phone: mask(phone), pool }))
      return created
    }))
    return { ...worker, phone, configHash: hash } satisfies Worker
  })

  const stop = Effect.fn("Pools.stop")(function*(phone: PhoneNumber) {
    yield* locked(Effect.gen(function*() {
      yield* load
      const pool = poolOf(phone)
      if (pool === undefined) return yield* base.stop(phone)
      const accounts = rosters.get(pool) ?? new Map()
      accounts.delete(phone)
      erasure.left(phone, pool)
      yield* save(pool, accounts)
      if (accounts.size > 0 || erasure.busy(pool)) return
      rosters.delete(pool)
      yield* hosts.stop(pool)
      yield* Effect.logInfo("pool stopped: its last account left").pipe(Effect.annotateLogs({ pool }))
    }))
  })

  const status = (phone: PhoneNumber) =>
    loadedRosters.pipe(Effect.flatMap(() => {
      const pool = poolOf(phone)
      const entry = pool === undefined ? undefined : rosters.get(pool)?.get(phone)
      return pool === undefined || entry === undefined
        ? base.status(phone)
        : Effect.map(hosts.status(pool), Option.map((worker) => accountOf(phone, entry, worker)))
    }))

  const list = Effect.gen(function*() {
    yield* loadedRosters
    const workers = yield* base.list
    return workers.flatMap((worker) =>
      isPool(worker.phone)
        ? [...(rosters.get(worker.phone) ?? new Map<PhoneNumber, Roster.RosterEntry>())].map(([phone, entry]) =>
          accountOf(phone, entry, worker)
        )
        // An isolated worker from before pooling: the manager restarts it (its digest differs) into a pool.
        : [worker]
    )
  })

  /** An isolated layout's data left from before pooling, and the account's folder in the pools' data. */
  const removeData = (phone: PhoneNumber) => Effect.andThen(base.removeData(phone), erasure.removeData(phone))

  return ContainerRuntime.of({ kind: base.kind, configHash, create, stop, status, list, removeData })
})

/**
 * The `ContainerRuntime` in context, each account's worker with its own Redis user (`WithRedisUsers`), and pooled
 * when `accountsPerProcess` is above 1: each account keeps its own user, and each pool gets one of its own.
 */
export const layer = (options: Omit<PoolOptions, "poolKeyFor" | "redisUrlFor">) =>
  Layer.effect(
    ContainerRuntime,
    Effect.gen(function*() {
      const runtime = yield* ContainerRuntime
      const users = yield* WorkerRedisUsers
      if (options.accountsPerProcess <= 1) return withRedisUsers(runtime, users)
      const keys = yield* SessionKeys
      const pooled = yield* make(runtime, {
        ...options,
        pins: yield* PoolJoin.pinsFor(runtime),
        poolKeyFor: keys.keyFor,
        redisUrlFor: users.urlFor
      }, withRedisUsers(runtime, users))
      return withRedisUsers(pooled, users)
    })
  )

export const layerConfig = (config: Config.Wrap<Omit<PoolOptions, "poolKeyFor" | "redisUrlFor">>) =>
  Layer.unwrap(Effect.map(Config.unwrap(config), layer))
