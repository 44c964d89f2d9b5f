import { assert, describe, it, layer } from "@effect/vitest"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as DataLayer from "../../src/data/layer.ts"
import * as Sessions from "../../src/sessions/layer.ts"
import { ContainerManager } from "../../src/sessions/manager/ContainerManager.ts"
import { SessionGateway } from "../../src/sessions/SessionGateway.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { randomPhone } from "../support/WorkerHarness.ts"

// The sessions concern as `main` composes it, configured only from the environment, over a fresh database.

const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-sessions-layer-"))

const singleMachine = {
  BOT_TOKEN: "123456:sessions-layer-test",
  TDL_DRIVER: "fake",
  VIGIA_DATA_DIR: Path.join(dataRoot, "control"),
  WORKER_DATA_DIR: dataRoot,
  WORKER_HEARTBEAT_INTERVAL: "1",
  WORKER_CHECK_INTERVAL: "500 millis",
  WORKER_STOP_GRACE: "5 seconds"
}

const composed = (environment: Record<string, string>) =>
  Sessions.layer.pipe(
    Layer.provideMerge(Queue.layerMemory()),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: environment })))
  )

const Data = DataLayer.repositories.pipe(Layer.provideMerge(TestDatabase.layer))

const removeData = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataRoot, { recursive: true, force: true }))))

layer(Layer.mergeAll(Data, removeData), { timeout: "2 minutes", excludeTestServices: true })("the sessions layer", (it) => {
  it.effect("from the environment alone: inline workers, started by the manager, answering the gateway", () =>
    Effect.gen(function*() {
      const manager = yield* ContainerManager
      const gateway = yield* SessionGateway
      assert.strictEqual(manager.runtime, "inline")
      const phone = randomPhone()
      const status = yield* manager.start(phone)
      assert.strictEqual(status.state, "running")
      // The worker's session key and the gateway's come from the same keys: the sealed command opens.
      yield* gateway.call(phone, new Messages.Ping())
      yield* manager.stop(phone)
      assert.strictEqual((yield* manager.status(phone)).state, "stopped")
    }).pipe(Effect.provide(composed(singleMachine))))
})

describe("the sessions layer's configuration", () => {
  it.effect("a runtime other than inline without REDIS_URL or SESSION_MASTER_KEY is refused as the layer builds, naming the rule", () =>
    Effect.gen(function*() {
      const refusal = (environment: Record<string, string>) =>
        Layer.build(composed({ ...singleMachine, ...environment })).pipe(Effect.provide(Data), Effect.scoped, Effect.flip, Effect.map(String))
      const noRedis = yield* refusal({ CONTAINER_RUNTIME: "docker", SESSION_MASTER_KEY: "a master secret" })
      assert.include(noRedis, "REDIS_URL")
      assert.include(noRedis, "required with CONTAINER_RUNTIME=docker")
      const noMaster = yield* refusal({ CONTAINER_RUNTIME: "process", REDIS_URL: "redis://127.0.0.1:6379" })
      assert.include(noMaster, "SESSION_MASTER_KEY")
      assert.include(noMaster, "required with CONTAINER_RUNTIME=process")
    }))
})
