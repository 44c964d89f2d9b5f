import { assert, describe, it } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer, Option, Schema } from "effect"
import * as Util from "node:util"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import * as SwarmRuntime from "../../../src/sessions/runtimes/SwarmRuntime.ts"
import { runtimeSuite } from "./RuntimeSuite.ts"
import {
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
    constraints: ["node.role==manager"],
    restartDelay: Duration.seconds(1),
    restartAttempts: 3,
    imageById: true
  }),
  engine
)

const name = (phone: PhoneNumber) => ContainerNames.workerName(phone)
const containersOf = (phone: PhoneNumber, ...flags: ReadonlyArray<string>) =>
  docker("ps", "-q", ...flags, "--filter", `label=com.docker.swarm.service.name=${name(phone)}`)

runtimeSuite({
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
})

describe("Swarm secrets file", () => {
  it.prop("a quoted value reads back unchanged through Node's env-file parser", [Schema.String], ([value]) => {
    const quoted = SwarmRuntime.quoteEnvValue(value)
    if (/[\r\n]/.test(value) || !value.isWellFormed()) return Option.isNone(quoted)
    if (Option.isNone(quoted)) return ["'", "`"].every((q) => value.includes(q)) && (value.includes("\"") || value.includes("\\"))
    return Util.parseEnv(`SECRET=${quoted.value}\n`).SECRET === value
  })

  it("values with every kind of quote still pass when one kind is free", () => {
    for (const value of ["p#w$x\\y", "it's", "a'b`c", "redis://:p@ss'w#rd@127.0.0.1:6379"]) {
      const quoted = Option.getOrThrow(SwarmRuntime.quoteEnvValue(value))
      assert.strictEqual(Util.parseEnv(`SECRET=${quoted}`).SECRET, value)
    }
  })
})

describe("Swarm task states", () => {
  const task = (state: string, options: Partial<SwarmRuntime.Task> = {}): SwarmRuntime.Task => ({
    CreatedAt: "2026-01-01T00:00:00Z",
    DesiredState: "running",
    Status: { State: state, Message: state },
    ...options
  })

  it("a service with no task yet is starting", () => {
    assert.strictEqual(SwarmRuntime.taskState(SwarmRuntime.currentTask([])).state, "starting")
  })

  it("every pending state is starting, never failed", () => {
    for (const state of ["new", "pending", "assigned", "accepted", "ready", "preparing", "starting"]) {
      assert.strictEqual(SwarmRuntime.taskState(Option.some(task(state))).state, "starting", state)
    }
  })

  it("running is running; rejected and failed report Docker's own error", () => {
    assert.strictEqual(SwarmRuntime.taskState(Option.some(task("running"))).state, "running")
    const rejected = SwarmRuntime.taskState(Option.some(task("rejected", {
      Status: { State: "rejected", Message: "preparing", Err: "invalid mount config for type \"volume\"" }
    })))
    assert.strictEqual(rejected.state, "failed")
    assert.deepStrictEqual(rejected.detail, Option.some("invalid mount config for type \"volume\""))
  })

  it("the newest task meant to run tells the state, not an older failure", () => {
    const tasks = [
      task("failed", { CreatedAt: "2026-01-01T00:00:01Z", DesiredState: "shutdown" }),
      task("pending", { CreatedAt: "2026-01-01T00:00:02Z" }),
      task("complete", { CreatedAt: "2026-01-01T00:00:00Z", DesiredState: "shutdown" })
    ]
    assert.strictEqual(SwarmRuntime.taskState(SwarmRuntime.currentTask(tasks)).state, "starting")
    const allStopped = tasks.map((t) => ({ ...t, DesiredState: "shutdown" }))
    assert.strictEqual(SwarmRuntime.taskState(SwarmRuntime.currentTask(allStopped)).state, "starting")
    assert.strictEqual(
      SwarmRuntime.taskState(SwarmRuntime.currentTask(allStopped.filter((t) => t.Status?.State !== "pending"))).state,
      "failed"
    )
  })
})
