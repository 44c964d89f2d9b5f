import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer, Metric, Option, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { Sessions } from "../../../src/data/Sessions.ts"
import { UserId } from "../../../src/data/UserId.ts"
import { WorkerNodes } from "../../../src/data/WorkerNodes.ts"
import * as ContainerManager from "../../../src/sessions/manager/ContainerManager.ts"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { type NodeMove, NodePins } from "../../../src/sessions/runtimes/NodePins.ts"
import { nodeMoves } from "../../../src/sessions/runtimes/SwarmPlacement.ts"
import * as SwarmRuntime from "../../../src/sessions/runtimes/SwarmRuntime.ts"
import { TestDatabase } from "../../support/TestDatabase.ts"
import * as Pooling from "./Pooling.ts"
import {
  cleanup,
  docker,
  engineGate,
  engineTestOptions,
  eventually,
  listenUpdates,
  otherSwarmUsers,
  prepareEngine,
  queueLayer,
  randomDeployment,
  randomPhone,
  startManager,
  swarmMode
} from "../../support/WorkerHarness.ts"

// The Swarm runtime through the engine gate, the manager over the real sessions table: a worker service is pinned
// to the node it first runs on and that node recorded; a service whose node is gone is moved off it. One machine
// is one node: a node that was removed is a pin to a node id the swarm does not know (unschedulable, detected
// as a removed node is). Draining the node for real stops every service on the engine, other test runs' too: that
// scenario runs only when asked for (VIGIA_TEST_REAL_DRAIN=1) and no other test process uses swarm mode. Then the
// same for pools (two accounts to a pool): a pool is pinned and recorded as an account is, its accounts with it.

const deployment = randomDeployment("placement")
const gate = engineGate(deployment)

const engine = Layer.effectDiscard(Effect.gen(function*() {
  yield* prepareEngine
  yield* swarmMode
  yield* Effect.addFinalizer(() => Effect.orDie(cleanup(deployment, deployment)))
}))

const swarm = SwarmRuntime.layer({
  ...engineTestOptions(deployment),
  engine: gate.engine,
  constraints: ["node.role==manager"],
  restartDelay: Duration.seconds(1),
  restartAttempts: 3,
  imageById: true
}).pipe(
  Layer.provideMerge(NodePins.layer),
  Layer.provideMerge(Layer.mergeAll(
    engine,
    gate.layer,
    Layer.merge(Sessions.layer, WorkerNodes.layer).pipe(Layer.provideMerge(TestDatabase.layer))
  ))
)
const queue = queueLayer(deployment)
const layers = Layer.mergeAll(swarm, queue)
/** The same runtime, its accounts pooled two to a pool (the pools' runtime last: its `ContainerRuntime` wins). */
const pooledLayers = Layer.mergeAll(
  layers,
  Pooling.runtimeOf({ deployment, layer: swarm }, { accountsPerProcess: 2 }).pipe(Layer.provide(queue))
)

const name = ContainerNames.workerName
const self = docker("info", "--format", "{{.Swarm.NodeID}}")
const constraints = (phone: PhoneNumber) =>
  Effect.map(
    docker("service", "inspect", "--format", "{{json .Spec.TaskTemplate.Placement.Constraints}}", name(phone)),
    (json) => (JSON.parse(json) as ReadonlyArray<string> | null) ?? []
  )
const serviceId = (phone: PhoneNumber) => docker("service", "inspect", "--format", "{{.ID}}", name(phone))
/** Every task the service ever had: one while its worker was never replaced. */
const taskCount = (phone: PhoneNumber) =>
  Effect.map(docker("service", "ps", "-q", name(phone)), (out) => out.split("\n").filter((line) => line !== "").length)

/** The service's spec before its last update (`null`: never updated, as created). */
const previousSpec = (phone: PhoneNumber) => docker("service", "inspect", "--format", "{{json .PreviousSpec}}", name(phone))

/** A seller with a session of the `swarm` runtime for `phone`. */
const sellerSession = Effect.fnUntraced(function*(phone: PhoneNumber) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ readonly id: string }>`
    INSERT INTO users (telegram_user_id, first_name, created_at, updated_at)
    VALUES (${Math.floor(Math.random() * 1e12)}, 'Test', now(), now())
    RETURNING id`
  yield* (yield* Sessions).register(Schema.decodeUnknownSync(UserId)(row?.id), phone, "swarm")
})

/**
 * Managers over the sessions table, one after another, fed by one updates listener; and the moves seen. The sellers
 * of `phones` have sessions (a manager starts them as it starts), those of `later` are only listened to.
 */
const harness = Effect.fnUntraced(function*(phones: ReadonlyArray<PhoneNumber>, later: ReadonlyArray<PhoneNumber> = []) {
  yield* Effect.forEach(phones, sellerSession, { discard: true })
  let current: ContainerManager.ContainerManager["Service"] | undefined
  yield* listenUpdates([...phones, ...later], () => current?.observe ?? (() => Effect.void))
  const moves: Array<NodeMove> = []
  yield* Stream.runForEach((yield* NodePins).moves, (move) => Effect.sync(() => void moves.push(move))).pipe(Effect.forkScoped)
  const start = Effect.fnUntraced(function*() {
    const started = yield* startManager(deployment)
    current = started.manager
    return started
  })
  return { start, moves }
})

const pinnedTo = (phone: PhoneNumber, node: string) =>
  Effect.gen(function*() {
    yield* eventually("the service pinned", constraints(phone), (list) => list.includes(`node.id==${node}`))
    yield* eventually("the node recorded", (yield* Sessions).get(phone), (session) => session.nodeId === node)
  })

/** The pool's service pinned to `node`, the pool recorded there, and each of its accounts. */
const poolPinnedTo = (pool: PhoneNumber, accounts: ReadonlyArray<PhoneNumber>, node: string) =>
  Effect.gen(function*() {
    yield* eventually("the pool pinned", constraints(pool), (list) => list.includes(`node.id==${node}`))
    yield* eventually("the pool's node recorded", (yield* WorkerNodes).get(pool), (found) => Option.contains(found, node))
    for (const phone of accounts) {
      yield* eventually("its account's node recorded", (yield* Sessions).get(phone), (session) => session.nodeId === node)
    }
  })

const movesCounted = (reason: string) =>
  Effect.map(Metric.value(Metric.withAttributes(nodeMoves, { reason })), (state) => state.count)

layer(layers, { timeout: "4 minutes", excludeTestServices: true })("Swarm placement", (it) => {
  it.effect("a worker is pinned where it first runs without a restart; adoption and re-creation keep the pin", () =>
    Effect.gen(function*() {
      const phone = randomPhone()
      const node = yield* self
      const { moves, start } = yield* harness([phone])
      const first = yield* start()
      yield* first.manager.start(phone)
      yield* pinnedTo(phone, node)
      assert.deepStrictEqual(yield* constraints(phone), ["node.role==manager", `node.id==${node}`], "the deployment's constraints kept")
      assert.strictEqual(yield* taskCount(phone), 1, "pinning did not replace the running worker")
      const id = yield* serviceId(phone)
      yield* first.drop

      const second = yield* start()
      yield* Effect.sleep("2 seconds")
      assert.strictEqual((yield* second.manager.status(phone)).state, "running")
      assert.strictEqual(yield* serviceId(phone), id, "adopted, not recreated")
      assert.include(yield* constraints(phone), `node.id==${node}`)
      assert.strictEqual(yield* taskCount(phone), 1)

      // Removed and created again (as a restart or a new configuration does): created pinned, from the record.
      yield* second.manager.stop(phone)
      assert.strictEqual((yield* (yield* Sessions).get(phone)).nodeId, node, "the volume stays on its node: so does the record")
      yield* second.manager.start(phone)
      assert.include(yield* constraints(phone), `node.id==${node}`)
      assert.deepStrictEqual(moves, [], "nothing moved")
      yield* second.manager.stop(phone)
      yield* second.drop
    }), 120_000)

  it.effect("a worker pinned to a node that is gone is moved off it once: unpinned, its record cleared, its account reported", () =>
    Effect.gen(function*() {
      const phone = randomPhone()
      const node = yield* self
      const { moves, start } = yield* harness([phone])
      const { drop, manager } = yield* start()
      yield* manager.start(phone)
      yield* pinnedTo(phone, node)
      const before = yield* movesCounted("removed")
      // The operator removed the node (here: the pin names a node id the swarm does not know).
      yield* docker("service", "update", "--detach", "--no-resolve-image", "--constraint-rm", `node.id==${node}`,
        "--constraint-add", "node.id==k2vq7n2xgm0m9y1i2w3e4r5t6", name(phone))
      yield* eventually("the move reported", Effect.sync(() => moves.length), (count) => count > 0)
      assert.deepStrictEqual(moves, [{ service: name(phone), accounts: [phone], node: "k2vq7n2xgm0m9y1i2w3e4r5t6", reason: "removed" }])
      assert.strictEqual((yield* movesCounted("removed")) - before, 1)
      assert.notInclude(yield* constraints(phone), "node.id==k2vq7n2xgm0m9y1i2w3e4r5t6", "unpinned")
      // Unpinned, it runs where the scheduler puts it and is pinned there; the move is reported once.
      yield* pinnedTo(phone, node)
      assert.strictEqual(moves.length, 1)
      yield* manager.stop(phone)
      yield* drop
    }), 120_000)

  it.effect("a worker recorded on a node that is gone is created unpinned, and its account reported", () =>
    Effect.gen(function*() {
      const phone = randomPhone()
      const { moves, start } = yield* harness([phone])
      yield* (yield* Sessions).setNode(phone, "gone0000node")
      const { drop, manager } = yield* start()
      yield* manager.start(phone)
      assert.deepStrictEqual(moves.map((move) => [move.node, move.reason]), [["gone0000node", "removed"]])
      assert.notInclude(yield* constraints(phone), "node.id==gone0000node")
      assert.notStrictEqual((yield* (yield* Sessions).get(phone)).nodeId, "gone0000node", "the record cleared")
      yield* pinnedTo(phone, yield* self)
      yield* manager.stop(phone)
      yield* drop
    }), 120_000)

  it.effect.skipIf(process.env.VIGIA_TEST_REAL_DRAIN !== "1")("the node drained for real: its workers are moved off it", () =>
    Effect.gen(function*() {
      const phone = randomPhone()
      const node = yield* self
      const { moves, start } = yield* harness([phone])
      const { drop, manager } = yield* start()
      yield* manager.start(phone)
      yield* pinnedTo(phone, node)
      const others = yield* otherSwarmUsers
      if (others > 0) return yield* Effect.die(new Error(`${others} other test processes use swarm mode: the node is not drained under them`))
      yield* Effect.acquireRelease(
        docker("node", "update", "--availability", "drain", node),
        () => Effect.orDie(docker("node", "update", "--availability", "active", node))
      )
      yield* eventually("the move reported", Effect.sync(() => moves.length), (count) => count > 0, "60 seconds")
      assert.deepStrictEqual(moves, [{ service: name(phone), accounts: [phone], node, reason: "drained" }])
      assert.notInclude(yield* constraints(phone), `node.id==${node}`)
      assert.strictEqual((yield* (yield* Sessions).get(phone)).nodeId, null, "no node can run it: the record stays clear")
      yield* docker("node", "update", "--availability", "active", node)
      yield* pinnedTo(phone, node)
      yield* manager.stop(phone)
      yield* drop
    }), 120_000)
})

layer(pooledLayers, { timeout: "4 minutes", excludeTestServices: true })("Swarm placement of pools", (it) => {
  it.effect("a pool is pinned where it first runs with its accounts recorded, re-created pinned; an account on a node opens a pool pinned there", () =>
    Effect.gen(function*() {
      const [alice, bob, carol] = [randomPhone(), randomPhone(), randomPhone()]
      const node = yield* self
      const { moves, start } = yield* harness([alice, bob], [carol])
      const { drop, manager } = yield* start()
      yield* manager.start(alice)
      yield* manager.start(bob)
      const pool = yield* Pooling.poolOf(deployment, alice)
      assert.strictEqual(yield* Pooling.poolOf(deployment, bob), pool, "one pool hosts both")
      yield* poolPinnedTo(pool, [alice, bob], node)
      const first = yield* serviceId(pool)

      // The pool's service removed behind the control plane's back: its accounts restart it, created pinned (never
      // updated to be pinned afterwards) from its record.
      yield* docker("service", "rm", name(pool))
      const again = Effect.catchDefect(serviceId(pool), () => Effect.succeed(""))
      yield* eventually("the pool created again", again, (id) => id !== "" && id !== first, "60 seconds")
      assert.include(yield* constraints(pool), `node.id==${node}`)
      assert.strictEqual(yield* previousSpec(pool), "null", "created pinned")

      // Carol's folder is on this node: the only pool there is full, so a new pool is recorded there and created pinned.
      yield* sellerSession(carol)
      yield* (yield* Sessions).setNode(carol, node)
      yield* manager.start(carol)
      const second = yield* Pooling.poolOf(deployment, carol)
      assert.notStrictEqual(second, pool)
      assert.include(yield* constraints(second), `node.id==${node}`)
      assert.strictEqual(yield* previousSpec(second), "null", "created pinned")
      assert.deepStrictEqual(yield* (yield* WorkerNodes).get(second), Option.some(node))
      assert.deepStrictEqual(moves, [], "nothing moved")
      yield* Effect.forEach([alice, bob, carol], manager.stop, { discard: true })
      yield* drop
    }), 180_000)

  it.effect("a pool pinned to a node that is gone is moved off it: each of its accounts told, then pinned again where it runs", () =>
    Effect.gen(function*() {
      const [alice, bob] = [randomPhone(), randomPhone()]
      const node = yield* self
      const gone = "k2vq7n2xgm0m9y1i2w3e4r5t6"
      const { moves, start } = yield* harness([alice, bob])
      const { drop, manager } = yield* start()
      yield* manager.start(alice)
      yield* manager.start(bob)
      const pool = yield* Pooling.poolOf(deployment, alice)
      yield* poolPinnedTo(pool, [alice, bob], node)
      const before = yield* movesCounted("removed")
      // The operator removed the pool's node (here: the pin names a node id the swarm does not know).
      yield* docker("service", "update", "--detach", "--no-resolve-image", "--constraint-rm", `node.id==${node}`,
        "--constraint-add", `node.id==${gone}`, name(pool))
      yield* eventually("the move reported", Effect.sync(() => moves.length), (count) => count > 0)
      assert.deepStrictEqual(moves, [{ service: name(pool), accounts: [alice, bob], node: gone, reason: "removed" }])
      assert.strictEqual((yield* movesCounted("removed")) - before, 1, "one service moved")
      assert.notInclude(yield* constraints(pool), `node.id==${gone}`, "unpinned")
      // Unpinned, it runs where the scheduler puts it and is pinned there, its accounts with it; told once.
      yield* poolPinnedTo(pool, [alice, bob], node)
      assert.strictEqual(moves.length, 1)
      yield* Effect.forEach([alice, bob], manager.stop, { discard: true })
      yield* drop
    }), 180_000)
})
