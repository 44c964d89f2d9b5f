/**
 * Where each account's Swarm worker is pinned: the node holding its volume (its login), recorded with its session,
 * and the services moved off a drained or removed node, as it happens (their accounts must log in again).
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer, Option, PubSub, Stream } from "effect"
import type { DatabaseError } from "../../data/Database.ts"
import { Sessions } from "../../data/Sessions.ts"

/** Why a pinned node can no longer run its service. */
export type MoveReason = "drained" | "removed"

/** A service taken off the node it was pinned to: its accounts' data stayed there. */
export interface NodeMove {
  readonly service: string
  readonly accounts: ReadonlyArray<PhoneNumber>
  readonly node: string
  readonly reason: MoveReason
}

export class NodePins extends Context.Service<NodePins, {
  /** The node recorded for the accounts of one service (the first of them that has one). */
  readonly recorded: (accounts: ReadonlyArray<PhoneNumber>) => Effect.Effect<Option.Option<string>, DatabaseError>
  /** Records the node of the accounts of one service, or none; an account with no session is left alone. */
  readonly record: (accounts: ReadonlyArray<PhoneNumber>, node: Option.Option<string>) => Effect.Effect<void, DatabaseError>
  readonly moved: (move: NodeMove) => Effect.Effect<void>
  /** The services moved off their node, as they are moved. */
  readonly moves: Stream.Stream<NodeMove>
}>()("@vigia/control/sessions/runtimes/NodePins") {
  /** Over the sessions table (`sessions.node_id`). */
  static readonly layer = Layer.effect(
    NodePins,
    Effect.gen(function*() {
      const sessions = yield* Sessions
      // The sessions table's only refusal here is a phone with no session.
      return yield* make({
        nodeOf: (phone) =>
          sessions.get(phone).pipe(
            Effect.map((session) => Option.fromNullishOr(session.nodeId)),
            Effect.catchTag("SessionsError", () => Effect.succeedNone)
          ),
        setNode: (phone, node) => sessions.setNode(phone, Option.getOrNull(node)).pipe(Effect.asVoid, Effect.catchTag("SessionsError", () => Effect.void))
      })
    })
  )

  /** In memory, for tests: what it holds is read through `nodes`. */
  static readonly layerMemory = (nodes: Map<PhoneNumber, string> = new Map()) =>
    Layer.effect(
      NodePins,
      make({
        nodeOf: (phone) => Effect.sync(() => Option.fromNullishOr(nodes.get(phone))),
        setNode: (phone, node) =>
          Effect.sync(() => Option.match(node, { onNone: () => nodes.delete(phone), onSome: (id) => nodes.set(phone, id) }))
      })
    )
}

const make = Effect.fnUntraced(function*(store: {
  readonly nodeOf: (phone: PhoneNumber) => Effect.Effect<Option.Option<string>, DatabaseError>
  readonly setNode: (phone: PhoneNumber, node: Option.Option<string>) => Effect.Effect<unknown, DatabaseError>
}) {
  const moves = yield* PubSub.unbounded<NodeMove>()
  return NodePins.of({
    recorded: (accounts) =>
      Effect.forEach(accounts, store.nodeOf).pipe(Effect.map((nodes) => Option.firstSomeOf(nodes))),
    record: (accounts, node) => Effect.forEach(accounts, (phone) => store.setNode(phone, node), { discard: true }),
    moved: (move) => PubSub.publish(moves, move).pipe(Effect.asVoid),
    moves: Stream.fromPubSub(moves)
  })
})
