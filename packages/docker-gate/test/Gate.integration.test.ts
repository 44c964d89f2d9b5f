import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { Gate } from "../src/Gate.ts"
import * as Fixtures from "./Fixtures.ts"

// The gate in front of the machine's real engine, reached over its own socket as the control plane reaches it.

const folder = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-gate-"))
const socket = Path.join(folder, "gate.sock")
const deployment = `test-gate-${Crypto.randomBytes(4).toString("hex")}`
const template = { ...Fixtures.template, deployment }

const GateLayer = Layer.mergeAll(
  Gate.layer({ listen: { _tag: "Unix", path: socket }, engineSocket: "/var/run/docker.sock", template }),
  Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))))
)

/** One request to the gate: its status and JSON answer. */
const call = (method: string, path: string, body?: unknown) =>
  Effect.promise(() =>
    new Promise<{ readonly status: number; readonly json: unknown }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const request = Http.request({ socketPath: socket, method, path, headers: payload === undefined ? {} : { "Content-Type": "application/json" } }, (answer) => {
        const chunks: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => chunks.push(chunk))
        answer.on("end", () => resolve({ status: answer.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") }))
      })
      request.on("error", reject)
      request.end(payload)
    })
  )

/** `docker …` on the engine itself (the test stands for the operator), its output trimmed. */
const docker = (...args: ReadonlyArray<string>) =>
  Effect.sync(() => ChildProcess.execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim())

const containerExists = (name: string) => Effect.map(docker("ps", "-aq", "--filter", `name=^/${name}$`), (ids) => ids !== "")

const refusal = (answer: { readonly status: number; readonly json: unknown }) => {
  assert.strictEqual(answer.status, 403, JSON.stringify(answer.json))
  return JSON.stringify(answer.json)
}

const randomWorkerName = () => `vigia-session-55199${Crypto.randomInt(10_000_000, 99_999_999)}`

layer(GateLayer, { timeout: "2 minutes", excludeTestServices: true })("the engine gate, in front of the real engine", (it) => {
  it.effect("creating a privileged container, or one bind-mounting /, is refused, and nothing is created", () =>
    Effect.gen(function*() {
      const name = randomWorkerName()
      const volume = `${name}-data`
      const worker = () => {
        const body = Fixtures.container()
        return { ...body, Labels: { ...body.Labels, "org.vigia.deployment": deployment }, HostConfig: { ...body.HostConfig, Mounts: [{ Type: "volume", Source: volume, Target: "/user-data" }] } }
      }
      const privileged = worker()
      Object.assign(privileged.HostConfig, { Privileged: true })
      assert.include(refusal(yield* call("POST", `/containers/create?name=${name}`, privileged)), "Privileged")
      const rootMounted = worker()
      Object.assign(rootMounted.HostConfig, { Binds: ["/:/host"] })
      assert.include(refusal(yield* call("POST", `/containers/create?name=${name}`, rootMounted)), "Binds")
      const asDockerRunWould = { Image: "local/debian:bookworm", Cmd: ["sleep", "600"], HostConfig: { Privileged: true, Binds: ["/:/host"], PidMode: "host" } }
      refusal(yield* call("POST", `/containers/create?name=${name}`, asDockerRunWould))
      refusal(yield* call("POST", "/containers/create?name=escape", asDockerRunWould))
      assert.isFalse(yield* containerExists(name), "nothing was created")
      assert.isFalse(yield* containerExists("escape"))
    }))

  it.effect("a container or volume without Vigia's labels is neither shown, inspected nor touched", () =>
    Effect.gen(function*() {
      const name = randomWorkerName()
      yield* Effect.acquireRelease(docker("run", "-d", "--name", name, "--network", "none", "local/debian:bookworm", "sleep", "600"), () =>
        Effect.ignore(docker("rm", "-f", name)))
      const volume = `${name}-data`
      yield* Effect.acquireRelease(docker("volume", "create", volume), () => Effect.ignore(docker("volume", "rm", "-f", volume)))
      const before = yield* docker("inspect", "--format", "{{.Id}} {{.State.Running}} {{.State.StartedAt}}", name)

      assert.include(refusal(yield* call("GET", `/containers/${name}/json`)), "is not a session worker's container of this deployment")
      refusal(yield* call("POST", `/containers/${name}/stop?t=1`))
      refusal(yield* call("POST", `/containers/${name}/start`))
      refusal(yield* call("DELETE", `/containers/${name}?force=true`))
      const id = before.split(" ")[0]!
      refusal(yield* call("DELETE", `/containers/${id}?force=true`))
      refusal(yield* call("GET", `/volumes/${volume}`))
      refusal(yield* call("DELETE", `/volumes/${volume}`))
      assert.strictEqual(yield* docker("volume", "inspect", "--format", "{{.Name}}", volume), volume, "the volume is still there")
      const listed = yield* call("GET", "/containers/json?all=true")
      assert.strictEqual(listed.status, 200)
      assert.isFalse(JSON.stringify(listed.json).includes(name), "the gate lists only Vigia's workers")
      assert.strictEqual(yield* docker("inspect", "--format", "{{.Id}} {{.State.Running}} {{.State.StartedAt}}", name), before, "untouched")
    }))

  it.effect("a worker's volume of this deployment is removed through the gate", () =>
    Effect.gen(function*() {
      const volume = `${randomWorkerName()}-data`
      const labels = { ...Fixtures.volume().Labels, "org.vigia.deployment": deployment }
      const created = yield* call("POST", "/volumes/create", { Name: volume, Labels: labels })
      assert.strictEqual(created.status, 201, JSON.stringify(created.json))
      const removed = yield* call("DELETE", `/volumes/${volume}`)
      assert.strictEqual(removed.status, 204, JSON.stringify(removed.json))
      assert.strictEqual(yield* docker("volume", "ls", "-q", "--filter", `name=^${volume}$`), "")
    }))

  it.effect("the engine's API beyond the session workers is refused: images, exec, the engine's information", () =>
    Effect.gen(function*() {
      refusal(yield* call("POST", "/images/create?fromImage=alpine&tag=latest"))
      refusal(yield* call("GET", "/info"))
      refusal(yield* call("POST", "/containers/prune"))
      const version = yield* call("GET", "/version")
      assert.strictEqual(version.status, 200)
    }))
})
