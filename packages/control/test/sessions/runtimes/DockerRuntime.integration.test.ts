import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { assert } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import * as DockerRuntime from "../../../src/sessions/runtimes/DockerRuntime.ts"
import { type RuntimeHooks, runtimeSuite } from "./RuntimeSuite.ts"
import {
  engineGate,
  engineTestOptions,
  cleanup,
  docker,
  prepareEngine,
  randomDeployment,
  readVolume,
  writeVolume
} from "../../support/WorkerHarness.ts"

const deployment = randomDeployment("docker")
const gate = engineGate(deployment)

/** The images built first; every container and volume of the suite removed at its end. */
const engine = Layer.effectDiscard(
  Effect.andThen(prepareEngine, Effect.addFinalizer(() => Effect.orDie(cleanup(deployment, deployment))))
)

const runtime = Layer.provideMerge(
  DockerRuntime.layer({
    ...engineTestOptions(deployment),
    engine: gate.engine,
    restartRetries: 3
  }),
  Layer.merge(engine, gate.layer)
)

const name = (phone: PhoneNumber) => ContainerNames.workerName(phone)

const hooks: RuntimeHooks = {
  name: "docker",
  deployment,
  layer: runtime,
  identity: (phone) => docker("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", name(phone)),
  kill: (phone) => Effect.asVoid(docker("kill", name(phone))),
  removeByHand: (phone) => Effect.asVoid(docker("rm", "--force", name(phone))),
  nothingLeft: (phone) => Effect.map(docker("ps", "-aq", "--filter", `name=^/${name(phone)}$`), (out) => out === ""),
  writeData: writeVolume,
  readData: readVolume,
  verifyWorker: (phone) =>
    Effect.gen(function*() {
      const [container] = JSON.parse(yield* docker("inspect", name(phone))) as Array<{
        Config: { User: string; Labels: Record<string, string> }
        HostConfig: {
          ReadonlyRootfs: boolean
          Memory: number
          PidsLimit: number
          Tmpfs: Record<string, string>
          CapDrop: Array<string>
          Init: boolean
          NetworkMode: string
          RestartPolicy: { Name: string }
        }
        Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string }>
      }>
      const { Config, HostConfig, Mounts } = container!
      assert.strictEqual(Config.User, "1000:1000")
      assert.isTrue(HostConfig.ReadonlyRootfs)
      assert.strictEqual(HostConfig.Memory, 256 * 1024 * 1024)
      assert.strictEqual(HostConfig.PidsLimit, 128)
      assert.deepStrictEqual(Object.keys(HostConfig.Tmpfs), ["/tmp"])
      assert.deepStrictEqual(HostConfig.CapDrop, ["ALL"])
      assert.isTrue(HostConfig.Init)
      assert.strictEqual(HostConfig.NetworkMode, "host")
      assert.strictEqual(HostConfig.RestartPolicy.Name, "on-failure")
      assert.deepStrictEqual(
        Mounts.map((mount) => [mount.Type, mount.Name, mount.Destination]),
        [["volume", ContainerNames.volumeName(phone), "/user-data"]],
        "only the account's own volume, and no Docker socket"
      )
      assert.isFalse(Object.values(Config.Labels).some((value) => value.includes(phone)), "no label holds the phone number")
    })
}

runtimeSuite(hooks)
runtimeSuite(hooks, { accountsPerProcess: 3 })
