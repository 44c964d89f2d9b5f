/**
 * Which pool an account joins: `Placement.place` over the running pools, and on Swarm the nodes that hold the
 * accounts' folders, read and recorded through `NodePins` so that a pool and its accounts stay on one node.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option } from "effect"
import type { ContainerRuntime } from "../runtimes/ContainerRuntime.ts"
import { NodePins } from "../runtimes/NodePins.ts"
import { place, type PoolState } from "./Placement.ts"

/** The `NodePins` in context when `runtime` places workers on nodes (Swarm); none for the others. */
export const pinsFor = (runtime: ContainerRuntime["Service"]) =>
  runtime.kind === "swarm"
    ? Effect.map(Effect.serviceOption(NodePins), Option.getOrUndefined)
    : Effect.succeed(undefined)

export interface PoolJoinOptions {
  /** The accounts of each running pool. */
  readonly rosters: ReadonlyMap<PhoneNumber, ReadonlyMap<PhoneNumber, unknown>>
  readonly accountsPerProcess: number
  /** The deployment's space among pool names (`Placement.spaceOf`). */
  readonly space: number
  /** Where the pools and their accounts are pinned, on a runtime with nodes; none elsewhere. */
  readonly pins: NodePins["Service"] | undefined
}

/**
 * The pool a new account joins: on Swarm, one on the node recorded for the account, or a new one recorded there
 * before it is created (so it is created pinned there); an account joining a pool whose node is known gets that
 * node recorded for itself.
 */
export const make = (options: PoolJoinOptions) => {
  const { accountsPerProcess, pins, rosters, space } = options
  const states = (nodes: ReadonlyMap<PhoneNumber, string>) =>
    new Map([...rosters].map(([id, accounts]): [PhoneNumber, PoolState] => [id, {
      size: accounts.size,
      node: Option.fromNullishOr(nodes.get(id))
    }]))

  return Effect.fnUntraced(function*(phone: PhoneNumber) {
    if (pins === undefined) return place(states(new Map()), accountsPerProcess, Option.none(), space)
    const nodes = yield* pins.pools
    const own = yield* pins.recorded([phone])
    const pool = place(states(nodes), accountsPerProcess, own, space)
    const known = Option.fromNullishOr(nodes.get(pool))
    // A new pool takes the account's node (none: wherever it first runs), whatever an earlier pool of its name had.
    if (!rosters.has(pool)) yield* pins.record([pool], own)
    else if (Option.isNone(own) && Option.isSome(known)) yield* pins.record([phone], known)
    yield* Effect.logInfo("account placed by its node").pipe(
      Effect.annotateLogs({ phone: mask(phone), pool, node: Option.getOrElse(Option.orElse(own, () => known), () => "none") })
    )
    return pool
  })
}
