import { assert } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer } from "effect"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { NodePins } from "../../../src/sessions/runtimes/NodePins.ts"
import * as SwarmRuntime from "../../../src/sessions/runtimes/SwarmRuntime.ts"
import { type RuntimeHooks, runtimeSuite } from "./RuntimeSuite.ts"
import {
  engineGate,
  engineTestOptions,
  cleanup,
  docker,
  prepareEngine,
  randomDeployment,
  readVolume,
  swarmMode,
  writeVolume
} from "../../support/WorkerHarness.ts"

const deployment = randomDeployment("swarm")
const gate = engineGate(deployment)

/** The images built and swarm mode on first; at the end every service, container and volume of the suite is
 * removed, then swarm mode is left as it was found. */
const engine = Layer.effectDiscard(
  Effect.gen(function*() {
    yield* prepareEngine
    yield* swarmMode
    yield* Effect.addFinalizer(() => Effect.orDie(cleanup(deployment, deployment)))
  })
)

const runtime = Layer.provideMerge(
  SwarmRuntime.layer({
    ...engineTestOptions(deployment),
    engine: gate.engine,
    constraints: ["node.role==manager"],
    restartDelay: Duration.seconds(1),
    restartAttempts: 3,
    imageById: true
  }).pipe(Layer.provideMerge(NodePins.layerMemory())),
  Layer.merge(engine, gate.layer)
)

const name = (phone: PhoneNumber) => ContainerNames.workerName(phone)
const containersOf = (phone: PhoneNumber, ...flags: ReadonlyArray<string>) =>
  docker("ps", "-q", ...flags, "--filter", `label=com.docker.swarm.service.name=${name(phone)}`)

const hooks: RuntimeHooks = {
  name: "swarm",
  deployment,
  layer: runtime,
  identity: (phone) => containersOf(phone),
  kill: (phone) => Effect.flatMap(containersOf(phone), (id) => docker("kill", id)).pipe(Effect.asVoid),
  removeByHand: (phone) => Effect.asVoid(docker("service", "rm", name(phone))),
  nothingLeft: (phone) =>
    Effect.gen(function*() {
      const services = yield* docker("service", "ls", "-q", "--filter", `name=${name(phone)}`)
      const containers = yield* containersOf(phone, "-a")
      return services === "" && containers === ""
    }),
  writeData: writeVolume,
  readData: readVolume,
  verifyWorker: (phone) =>
    Effect.gen(function*() {
      const [service] = JSON.parse(yield* docker("service", "inspect", name(phone))) as Array<{
        Spec: {
          Labels: Record<string, string>
          TaskTemplate: {
            ContainerSpec: { Env: Array<string>; User: string; ReadOnly: boolean; Secrets: Array<{ File: { Name: string } }> }
            Resources: { Limits: { MemoryBytes: number; Pids: number } }
            RestartPolicy: { Condition: string }
          }
        }
      }>
      const spec = service!.Spec
      const container = spec.TaskTemplate.ContainerSpec
      assert.deepStrictEqual(container.Env.filter((line) => /^(SESSION_KEY|REDIS_URL)=/.test(line)), [], "secrets are not in the service")
      assert.deepStrictEqual(container.Secrets.map((secret) => secret.File.Name), ["worker.env"])
      assert.strictEqual(container.User, "1000:1000")
      assert.isTrue(container.ReadOnly)
      assert.deepStrictEqual(spec.TaskTemplate.Resources.Limits, { MemoryBytes: 256 * 1024 * 1024, Pids: 128 })
      assert.strictEqual(spec.TaskTemplate.RestartPolicy.Condition, "on-failure")
      assert.isFalse(Object.values(spec.Labels).some((value) => value.includes(phone)), "no label holds the phone number")
    })
}

runtimeSuite(hooks)
runtimeSuite(hooks, { accountsPerProcess: 3 })
