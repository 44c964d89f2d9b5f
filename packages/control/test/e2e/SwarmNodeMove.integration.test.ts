import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { phoneOf, sample } from "../support/LoggedInSellers.ts"
import { connect, exchange, includes, onBasicPlan } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { cleanup, docker, engineGate, eventually, prepareEngine, redisUrl, swarmMode } from "../support/WorkerHarness.ts"

// A seller's account on the `swarm` runtime, the control plane a process of its own reaching the real engine through
// the engine gate, fake TDLib workers as Swarm services on this one-node swarm, the seller driving the fake Bot API.
// The node the account's worker was pinned to is then removed from the swarm: here, its pin is made to name a node id
// the swarm does not know, which the control plane sees as it sees a removed node (draining this machine's only node
// would stop every other test's services too).

const prefix = `e2n${Crypto.randomBytes(4).toString("hex")}`
const gate = engineGate(prefix)
const admin: FakeUser = { id: 9_300_500_001, first_name: "Admin" }
const seller: FakeUser = { id: 9_300_500_100, first_name: "Sandra" }
const phone = phoneOf(seller)
const service = ContainerNames.workerName(phone)
const removedNode = "q4w8e2r6t0y3u7i1o5p9a3s7d"

const engine = Layer.effectDiscard(Effect.gen(function*() {
  yield* prepareEngine
  yield* swarmMode
  yield* Effect.addFinalizer(() => Effect.orDie(cleanup(prefix, prefix)))
}))

const constraints = docker("service", "inspect", "--format", "{{json .Spec.TaskTemplate.Placement.Constraints}}", service).pipe(
  Effect.map((json) => (JSON.parse(json) as ReadonlyArray<string> | null) ?? [])
)
const serviceGone = Effect.map(docker("service", "ls", "-q", "--filter", `name=${service}`), (ids) => ids === "")
const recordedNode = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ readonly nodeId: string | null }>`SELECT node_id FROM sessions WHERE phone_number = ${phone}`
  return row?.nodeId ?? null
}).pipe(Effect.orDie)

const pinnedTo = (node: string) =>
  Effect.gen(function*() {
    yield* eventually("the worker service pinned", constraints, (list) => list.includes(`node.id==${node}`), "60 seconds")
    yield* eventually("the node recorded", recordedNode, (recorded) => recorded === node)
  })

layer(Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty, engine, gate.layer), { excludeTestServices: true, timeout: "2 minutes" })(
  "a swarm node retired under a seller's account",
  (it) => {
    it.effect("the account is pinned to its node; once that node is gone the seller is told to log in again, and does", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const database = yield* TestDatabase
        const node = yield* docker("info", "--format", "{{.Swarm.NodeID}}")
        const control = yield* ControlProcess.start({
          ...ControlProcess.processEnvironment({
            api,
            databaseUrl: Redacted.value(database.url),
            redisUrl,
            prefix,
            workersRoot: Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-node-move-")),
            admins: [admin.id]
          }),
          CONTAINER_RUNTIME: "swarm",
          DOCKER_HOST: `unix://${gate.engine.path}`,
          WORKER_NETWORK: "host",
          SWARM_CONSTRAINTS: "node.role==manager",
          SWARM_IMAGE_BY_ID: "true",
          SWARM_RESTART_DELAY: "1 second"
        })
        yield* Effect.gen(function*() {
          yield* onBasicPlan(admin, seller)
          yield* connect(seller, `+55 11 9${String(seller.id).slice(-8)}`)
          yield* pinnedTo(node)

          // The operator removes the node: nothing can run the account's service where its volume is.
          yield* docker("service", "update", "--detach", "--no-resolve-image", "--constraint-rm", `node.id==${node}`,
            "--constraint-add", `node.id==${removedNode}`, service)
          yield* api.awaitMessage(seller.id, includes("precisou mudar de servidor"), "30 seconds")
          // Released as by a logout elsewhere: the worker, which would start with an empty volume, goes.
          yield* eventually("the worker service removed", serviceGone, (gone) => gone)
          assert.strictEqual(yield* recordedNode, null, "the node record cleared")
          yield* exchange(seller, "/status", includes("Nenhuma conta do Telegram conectada"))
          const metrics = yield* Effect.promise(() =>
            fetch(`http://127.0.0.1:${control.metricsPort}/metrics`).then((response) => response.text()))
          assert.strictEqual(sample(metrics, "vigia_worker_node_moves_total", { reason: "removed" }), 1)

          // The seller logs in again: a new worker on an active node, pinned there. That node's volume is empty (here,
          // the one machine's volume is removed to stand for it): Telegram asks for a code again.
          yield* eventually("the old worker's containers gone", docker("ps", "-aq", "--filter", `label=com.docker.swarm.service.name=${service}`),
            (ids) => ids === "")
          yield* docker("volume", "rm", ContainerNames.volumeName(phone))
          yield* connect(seller, `+55 11 9${String(seller.id).slice(-8)}`)
          yield* pinnedTo(node)
          const told = (yield* api.messagesIn(seller.id)).filter((message) => message.text.includes("mudar de servidor"))
          assert.strictEqual(told.length, 1, "told once")
          assert.include(control.output(), "worker service moved off its node")
          assert.notMatch(control.output(), /55119[0-9]{8}/, "a full phone number in the logs")
          yield* exchange(seller, "/logout", includes("desconectada"))
          yield* eventually("the worker service removed", serviceGone, (gone) => gone)
        }).pipe(Effect.tapCause(() => Effect.logError("the control plane said", control.output().slice(-20_000))))
      }), { timeout: 240_000 })
  }
)
