/**
 * Keeps each worker service on the node holding its volume (its accounts' logins): a service is pinned
 * (`node.id==…`) where it first runs, and created pinned to its recorded node; when that node is drained or
 * removed, the service is deliberately moved (unpinned, its record cleared) and its accounts must log in again.
 * Keyed by the service and the accounts it hosts, so a service hosting several accounts is placed the same way.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type Docker from "dockerode"
import { Effect, Metric, Option } from "effect"
import { ContainerRuntimeError } from "./ContainerRuntime.ts"
import * as Engine from "./Engine.ts"
import { type MoveReason, NodePins } from "./NodePins.ts"
import { currentTask, type Task } from "./SwarmTasks.ts"

/** A Swarm node as placement sees it (`docker node ls`). */
export interface NodeInfo {
  readonly id: string
  /** `active`, `pause` or `drain`. */
  readonly availability: string
}

/** A service to place: its name, and the accounts whose data its volumes hold. */
export interface PlacedService {
  readonly name: string
  readonly accounts: ReadonlyArray<PhoneNumber>
}

const pinPattern = /^node\.id\s*==\s*([A-Za-z0-9]+)$/

export const pinConstraint = (node: string) => `node.id==${node}`

/** The node a service's constraints pin it to. */
export const pinnedNode = (constraints: ReadonlyArray<string>): Option.Option<string> =>
  Option.firstSomeOf(constraints.map((constraint) => Option.fromNullishOr(pinPattern.exec(constraint)?.[1])))

/** The constraints with `node` as the pin (none: without a pin), the others kept. */
export const pinnedTo = (constraints: ReadonlyArray<string>, node: Option.Option<string>): Array<string> => [
  ...constraints.filter((constraint) => !pinPattern.test(constraint)),
  ...Option.toArray(Option.map(node, pinConstraint))
]

/**
 * Why `node` can no longer run what is pinned to it: gone from the swarm, or drained. A node that is down or
 * paused keeps its services: it may come back with their volumes; an operator moves them by draining it.
 */
export const unusable = (nodes: ReadonlyMap<string, NodeInfo>, node: string): Option.Option<MoveReason> => {
  const found = nodes.get(node)
  if (found === undefined) return Option.some("removed")
  return found.availability === "drain" ? Option.some("drained") : Option.none()
}

export type Decision =
  | { readonly _tag: "Keep" }
  /** First placed: pinned where it runs, that node recorded. */
  | { readonly _tag: "Pin"; readonly node: string }
  /** Its node can no longer run it: unpinned, the record cleared, its accounts told to log in again. */
  | { readonly _tag: "Move"; readonly from: string; readonly reason: MoveReason }

/** What to do with a listed service, from its pin, the node its current task runs on, and the swarm's nodes. */
export const decide = (input: {
  readonly pinned: Option.Option<string>
  readonly runningOn: Option.Option<string>
  readonly nodes: ReadonlyMap<string, NodeInfo>
}): Decision => {
  if (Option.isSome(input.pinned)) {
    const from = input.pinned.value
    return Option.match(unusable(input.nodes, from), {
      onNone: () => ({ _tag: "Keep" }),
      onSome: (reason) => ({ _tag: "Move", from, reason })
    })
  }
  return Option.match(input.runningOn, { onNone: () => ({ _tag: "Keep" }), onSome: (node) => ({ _tag: "Pin", node }) })
}

/**
 * The pin of a service about to be created: its recorded node, unless the swarm says that node can no longer run
 * it (a move); with no list of nodes the record is trusted.
 */
export const atCreation = (
  recorded: Option.Option<string>,
  nodes: Option.Option<ReadonlyMap<string, NodeInfo>>
): { readonly pin: Option.Option<string>; readonly move: Option.Option<MoveReason> } => {
  const move = Option.flatMap(recorded, (node) => Option.flatMap(nodes, (known) => unusable(known, node)))
  return { pin: Option.isSome(move) ? Option.none() : recorded, move }
}

/** The node the service's current task runs on. */
export const runningOn = (tasks: ReadonlyArray<Task>): Option.Option<string> =>
  Option.flatMap(currentTask(tasks), (task) =>
    task.Status?.State === "running" ? Option.fromNullishOr(task.NodeID) : Option.none())

/** Services moved off a drained or removed node, by reason. */
export const nodeMoves = Metric.counter("vigia_worker_node_moves_total", {
  description: "Worker services moved off a drained or removed Swarm node (their accounts must log in again)",
  incremental: true
})

/** What the engine lists of a node, as far as placement reads it. */
interface ListedNode {
  readonly ID?: string
  readonly Spec?: { readonly Availability?: string }
}

const maskedAccounts = (accounts: ReadonlyArray<PhoneNumber>) => accounts.map(mask).join(",")

export const make = Effect.fnUntraced(function*(docker: Docker) {
  const pins = yield* NodePins
  const call = <A>(what: string, f: () => Promise<A>, tolerate: ReadonlyArray<number> = []) =>
    Engine.call("swarm", what, f, tolerate)

  const nodes = call("listing nodes", (): Promise<Array<ListedNode>> => docker.listNodes()).pipe(
    Effect.map((listed) =>
      new Map(Option.getOrElse(listed, (): Array<ListedNode> => []).flatMap((node) =>
        node.ID === undefined ? [] : [[node.ID, { id: node.ID, availability: node.Spec?.Availability ?? "active" }] as const]
      ))
    )
  )

  const unreadable = (error: { readonly message: string }) =>
    new ContainerRuntimeError({ reason: "Unavailable", runtime: "swarm", message: `reading the worker's node: ${error.message}` })

  /** A move done (the record cleared, the service unpinned or not created pinned): counted, logged and told. */
  const moved = Effect.fnUntraced(function*(service: PlacedService, from: string, reason: MoveReason) {
    yield* Metric.update(Metric.withAttributes(nodeMoves, { reason }), 1)
    yield* Effect.logWarning("worker service moved off its node: its accounts must log in again").pipe(
      // Never the service's name: it holds the phone number.
      Effect.annotateLogs({ phone: maskedAccounts(service.accounts), node: from, reason })
    )
    yield* pins.moved({ service: service.name, accounts: service.accounts, node: from, reason })
  })

  /**
   * The pin of a service about to be created: its accounts' recorded node when it can still run there. A record
   * that cannot be read fails the creation: the service must not start on a node without its data.
   */
  const pinFor = Effect.fn("SwarmPlacement.pinFor")(function*(service: PlacedService) {
    const recorded = yield* pins.recorded(service.accounts).pipe(Effect.mapError(unreadable))
    if (Option.isNone(recorded)) return recorded
    const known = yield* nodes.pipe(
      Effect.map(Option.some),
      Effect.catch((error) => Effect.logWarning("could not list the swarm's nodes", error.message).pipe(Effect.as(Option.none())))
    )
    const { move, pin } = atCreation(recorded, known)
    if (Option.isSome(move)) {
      yield* pins.record(service.accounts, Option.none()).pipe(Effect.mapError(unreadable))
      yield* moved(service, recorded.value, move.value)
    }
    return pin
  })

  /** The service with the pin `node` (none: unpinned), as an update of its current version. */
  const repin = (service: Docker.Service, node: Option.Option<string>) => {
    const spec = service.Spec ?? {}
    const template = spec.TaskTemplate ?? {}
    const placement = template.Placement ?? {}
    const body = { ...spec, TaskTemplate: { ...template, Placement: { ...placement, Constraints: pinnedTo(placement.Constraints ?? [], node) } } }
    const version = String(service.Version?.Index ?? 0)
    return call("updating the service's placement", () => docker.getService(service.ID).update(Engine.bodyOnly(body, { version })), [404])
  }

  const place = Effect.fnUntraced(function*(
    listed: { readonly service: Docker.Service; readonly placed: PlacedService; readonly tasks: ReadonlyArray<Task> },
    known: ReadonlyMap<string, NodeInfo>
  ) {
    const { placed, service } = listed
    const decision = decide({
      pinned: pinnedNode(service.Spec?.TaskTemplate?.Placement?.Constraints ?? []),
      runningOn: runningOn(listed.tasks),
      nodes: known
    })
    switch (decision._tag) {
      case "Keep":
        return
      case "Pin": {
        // Recorded first: a pin whose record failed would be lost when the service is next created.
        yield* pins.record(placed.accounts, Option.some(decision.node))
        yield* repin(service, Option.some(decision.node))
        return yield* Effect.logInfo("worker service pinned to its node", { node: decision.node })
      }
      case "Move": {
        // Cleared first, told last: a move cut short is made again at the next check, and told once, when done.
        yield* pins.record(placed.accounts, Option.none())
        yield* repin(service, Option.none())
        return yield* moved(placed, decision.from, decision.reason)
      }
    }
  }, (effect, listed) =>
    effect.pipe(
      Effect.catchCause((cause) => Effect.logWarning("could not place a worker service", cause)),
      Effect.annotateLogs({ phone: maskedAccounts(listed.placed.accounts) })
    ))

  /** Keeps each listed service on its node: pins one first placed, moves one whose node is drained or removed. */
  const reconcile = Effect.fn("SwarmPlacement.reconcile")(function*(
    listed: ReadonlyArray<{ readonly service: Docker.Service; readonly placed: PlacedService; readonly tasks: ReadonlyArray<Task> }>
  ) {
    if (listed.length === 0) return
    const known = yield* nodes
    yield* Effect.forEach(listed, (entry) => place(entry, known), { discard: true })
  }, (effect) => Effect.catch(effect, (error) => Effect.logWarning("could not place the worker services", error.message)))

  return { pinFor, reconcile }
})

export type SwarmPlacement = Effect.Success<ReturnType<typeof make>>
