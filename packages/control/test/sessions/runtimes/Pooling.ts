/**
 * The runtime suite's pooled mode: the runtime of a suite's hooks with its accounts pooled, and where an account
 * is to the hooks (its pool, its folder in the pools' data).
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { type Duration, Effect, Layer, Option, Redacted } from "effect"
import * as Placement from "../../../src/sessions/manager/Placement.ts"
import * as PoolJoin from "../../../src/sessions/manager/PoolJoin.ts"
import * as Pools from "../../../src/sessions/manager/Pools.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import { redisUrl, sessionKey } from "../../support/WorkerHarness.ts"
import type { RuntimeHooks } from "./RuntimeSuite.ts"

/** How the suite runs the accounts: each in a worker of its own (1), or up to this many to a pool. */
export interface SuiteMode {
  readonly accountsPerProcess: number
  /** How long a pool may take to acknowledge an erasure. */
  readonly erasureTimeout?: Duration.Duration
}

/** The pools' options of the suite (rosters read every 300 ms). */
export const poolOptions = (hooks: Pick<RuntimeHooks, "deployment" | "queue">, mode: SuiteMode): Pools.PoolOptions => ({
  accountsPerProcess: mode.accountsPerProcess,
  deployment: hooks.deployment,
  ...(mode.erasureTimeout === undefined ? {} : { erasureTimeout: mode.erasureTimeout }),
  environment: { QUEUE_PREFIX: hooks.deployment, LOG_FORMAT: "json", POOL_ROSTER_INTERVAL: "0.3" },
  poolKeyFor: () => sessionKey,
  // The inline runtime's pools share the control plane's queue; the others reach Redis.
  redisUrlFor: () => hooks.queue === undefined ? Option.some(Redacted.make(redisUrl)) : Option.none()
})

/** The runtime of `hooks`, its accounts pooled when `mode` says so. */
export const runtimeOf = (
  hooks: Pick<RuntimeHooks, "deployment" | "layer" | "queue">,
  mode: SuiteMode
): Layer.Layer<ContainerRuntime, unknown, Queue> =>
  mode.accountsPerProcess === 1 ? hooks.layer : Layer.effect(
    ContainerRuntime,
    Effect.gen(function*() {
      const runtime = yield* ContainerRuntime
      // On Swarm, placed by node when the hooks' runtime hands its `NodePins`.
      return yield* Pools.make(runtime, { ...poolOptions(hooks, mode), pins: yield* PoolJoin.pinsFor(runtime) })
    })
  ).pipe(Layer.provide(hooks.layer))

/** The pool of `deployment` whose roster holds `phone`, read as the control plane wrote it. */
export const poolOf = Effect.fnUntraced(function*(deployment: string, phone: PhoneNumber) {
  const queue = yield* Queue
  const space = Placement.spaceOf(deployment)
  for (let index = 1; index <= 20; index++) {
    const pool = Placement.poolId(space, index)
    const roster = yield* Effect.flatMap(queue.readNote(pool, Roster.rosterNote), Roster.decode)
    if (phone in roster) return pool
  }
  return yield* Effect.die(new Error("the account is in no pool's roster"))
})

/** Asks the account's fake TDLib, through its side channel, to close as TDLib does when it fails. */
const closeClientAt = (port: string) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${port.trim()}/close`, { method: "POST" })).pipe(
    Effect.flatMap((response) => response.ok ? Effect.void : Effect.die(new Error(`side channel answered ${response.status}`)))
  )

/** Where an account is, for the hooks: the worker hosting it (its own, or its pool) and its files. */
export const placement = (hooks: RuntimeHooks, mode: SuiteMode) => {
  const pooled = mode.accountsPerProcess > 1
  const hostOf = (phone: PhoneNumber) => pooled ? poolOf(hooks.deployment, phone) : Effect.succeed(phone)
  /** Where the account's files are: the root of its own data, or its folder in the pools' data. */
  const dataAt = (phone: PhoneNumber, name: string) =>
    pooled ? { owner: Placement.poolsData(Placement.spaceOf(hooks.deployment)), path: `${phone}/${name}` } : { owner: phone, path: name }
  const readData = (phone: PhoneNumber, name: string) => {
    const { owner, path } = dataAt(phone, name)
    return hooks.readData(owner, path)
  }
  return {
    pooled,
    hostOf,
    readData,
    writeData: (phone: PhoneNumber, name: string, content: string) => {
      const { owner, path } = dataAt(phone, name)
      return hooks.writeData(owner, path, content)
    },
    identity: (phone: PhoneNumber) => Effect.flatMap(hostOf(phone), hooks.identity),
    /** Closes the account's fake TDLib client through the side channel its port file names. */
    closeClient: (phone: PhoneNumber) =>
      readData(phone, "fake-tdl.port").pipe(Effect.map(Option.getOrThrow), Effect.flatMap(closeClientAt))
  }
}
