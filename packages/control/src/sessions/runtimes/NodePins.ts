/**
 * Where each Swarm worker is pinned: the node holding its volume (its accounts' logins), recorded with the account's
 * session, or for a pool (a worker hosting several accounts, no session of its own) in `worker_nodes`; and the
 * services moved off a drained or removed node, as it happens (their accounts must log in again). A pool's accounts
 * follow it: its record is theirs, and its move is told as theirs.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer, Option, PubSub, Stream } from "effect"
import type { DatabaseError } from "../../data/Database.ts"
import { Sessions } from "../../data/Sessions.ts"
import { WorkerNodes } from "../../data/WorkerNodes.ts"
import { isPool } from "../manager/Placement.ts"

/** Why a pinned node can no longer run its service. */
export type MoveReason = "drained" | "removed"

/** A service taken off the node it was pinned to: its accounts' data stayed there. */
export interface NodeMove {
  readonly service: string
  readonly accounts: ReadonlyArray<PhoneNumber>
  readonly node: string
  readonly reason: MoveReason
}

/** The accounts a pool hosts now (its roster). */
export type Members = (pool: PhoneNumber) => ReadonlyArray<PhoneNumber>

export class NodePins extends Context.Service<NodePins, {
  /** The node recorded for the accounts of one service (the first of them that has one); a pool's own record. */
  readonly recorded: (accounts: ReadonlyArray<PhoneNumber>) => Effect.Effect<Option.Option<string>, DatabaseError>
  /**
   * Records the node of the accounts of one service, or none; an account with no session is left alone. A pool's
   * record is its accounts' too: they are recorded (or cleared) with it.
   */
  readonly record: (accounts: ReadonlyArray<PhoneNumber>, node: Option.Option<string>) => Effect.Effect<void, DatabaseError>
  /** The nodes recorded for the pools, by pool. */
  readonly pools: Effect.Effect<ReadonlyMap<PhoneNumber, string>, DatabaseError>
  /** Who tells which accounts a pool hosts (the pools' runtime, once): without it a pool hosts none. */
  readonly hosting: (members: Members) => Effect.Effect<void>
  /** Tells the move; a pool's is told as its accounts'. */
  readonly moved: (move: NodeMove) => Effect.Effect<void>
  /** The services moved off their node, as they are moved, with the accounts that must log in again. */
  readonly moves: Stream.Stream<NodeMove>
}>()("@vigia/control/sessions/runtimes/NodePins") {
  /** Over the sessions table (`sessions.node_id`) and, for pools, `worker_nodes`. */
  static readonly layer = Layer.effect(
    NodePins,
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const workers = yield* WorkerNodes
      // The sessions table's only refusal here is a phone with no session.
      return yield* make({
        nodeOf: (phone) =>
          sessions.get(phone).pipe(
            Effect.map((session) => Option.fromNullishOr(session.nodeId)),
            Effect.catchTag("SessionsError", () => Effect.succeedNone)
          ),
        setNode: (phone, node) => sessions.setNode(phone, Option.getOrNull(node)).pipe(Effect.asVoid, Effect.catchTag("SessionsError", () => Effect.void))
      }, { nodeOf: workers.get, setNode: workers.set, list: workers.list })
    })
  )

  /** In memory, for tests: what it holds (accounts' and pools' records) is read through `nodes`. */
  static readonly layerMemory = (nodes: Map<PhoneNumber, string> = new Map()) => {
    const store: Store = {
      nodeOf: (phone) => Effect.sync(() => Option.fromNullishOr(nodes.get(phone))),
      setNode: (phone, node) =>
        Effect.sync(() => Option.match(node, { onNone: () => nodes.delete(phone), onSome: (id) => nodes.set(phone, id) }))
    }
    return Layer.effect(
      NodePins,
      make(store, { ...store, list: Effect.sync(() => new Map([...nodes].filter(([name]) => isPool(name)))) })
    )
  }
}

interface Store {
  readonly nodeOf: (name: PhoneNumber) => Effect.Effect<Option.Option<string>, DatabaseError>
  readonly setNode: (name: PhoneNumber, node: Option.Option<string>) => Effect.Effect<unknown, DatabaseError>
}

const make = Effect.fnUntraced(function*(
  accounts: Store,
  pools: Store & { readonly list: Effect.Effect<ReadonlyMap<PhoneNumber, string>, DatabaseError> }
) {
  const moves = yield* PubSub.unbounded<NodeMove>()
  let members: Members = () => []
  const storeOf = (name: PhoneNumber) => isPool(name) ? pools : accounts
  /** The accounts behind the names: a pool's members in its place. */
  const accountsOf = (names: ReadonlyArray<PhoneNumber>) => names.flatMap((name) => isPool(name) ? members(name) : [name])
  return NodePins.of({
    recorded: (names) =>
      Effect.forEach(names, (name) => storeOf(name).nodeOf(name)).pipe(Effect.map((nodes) => Option.firstSomeOf(nodes))),
    record: (names, node) =>
      Effect.forEach([...names.filter(isPool), ...accountsOf(names)], (name) => storeOf(name).setNode(name, node), { discard: true }),
    pools: pools.list,
    hosting: (lookup) => Effect.sync(() => void (members = lookup)),
    moved: (move) => PubSub.publish(moves, { ...move, accounts: accountsOf(move.accounts) }).pipe(Effect.asVoid),
    moves: Stream.fromPubSub(moves)
  })
})
