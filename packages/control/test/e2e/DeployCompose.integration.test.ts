import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import { freePort } from "../../../../test-support/PrivateRedis.ts"
import {
  assertNoSecretsIn,
  dockerGroup,
  infra,
  newSeller,
  prepareImages,
  resourcesLabelled,
  run,
  sellerGetsOneQuote,
  uniqueName,
  writeEnvFile
} from "../support/DeployHarness.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { docker, eventually } from "../support/WorkerHarness.ts"

// infra/docker-compose.yml as an operator brings it up, with the test override: everything on the host's
// network on loopback, Redis and PostgreSQL from the offline stand-ins, the fake Bot API, fake TDLib workers.
const project = uniqueName("vigiatest")
const admin: FakeUser = { id: 9_300_000_000, first_name: "Admin" }
const projectLabel = `com.docker.compose.project=${project}`

layer(FakeBotApi.layer, { excludeTestServices: true, timeout: "60 seconds" })("infra/docker-compose.yml", (it) => {
  it.effect("brings the system up; the control plane runs a seller's worker as a container; down leaves nothing", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      yield* prepareImages
      const folder = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-compose-"))),
        (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
      )
      // The secrets as files, written as the README says (the override puts PostgreSQL on loopback).
      const ports = { redis: yield* freePort, postgres: yield* freePort, http: yield* freePort }
      const secrets = Path.join(folder, "secrets")
      yield* run(infra("scripts/local-secrets.sh"), [secrets], {
        BOT_TOKEN: api.token,
        TELEGRAM_API_HASH: "unused-by-fake-tdlib",
        VIGIA_POSTGRES_ADDRESS: `127.0.0.1:${ports.postgres}`
      })
      const redisPassword = Fs.readFileSync(Path.join(secrets, "redis_password"), "utf8")
      // The control plane's .env, as an operator writes it: settings, no secret (the override sets the addresses).
      const envFile = Path.join(folder, "control.env")
      yield* writeEnvFile(envFile, {
        BOT_API_ROOT: api.apiRoot,
        ADMIN_TELEGRAM_IDS: String(admin.id),
        TDL_DRIVER: "fake",
        WORKER_HEARTBEAT_INTERVAL: "1",
        WORKER_CHECK_INTERVAL: "1 second",
        WORKER_STOP_GRACE: "5 seconds",
        QUEUE_SWEEP_INTERVAL: "1 second"
      })
      const environment = {
        VIGIA_ENV_FILE: envFile,
        VIGIA_SECRETS_DIR: secrets,
        WORKER_DEPLOYMENT: project,
        DOCKER_GID: dockerGroup(),
        TEST_REDIS_PORT: String(ports.redis),
        TEST_POSTGRES_PORT: String(ports.postgres),
        TEST_HTTP_PORT: String(ports.http)
      }
      const compose = (...args: ReadonlyArray<string>) =>
        run("docker-compose", ["-p", project, "-f", infra("docker-compose.yml"), "-f", infra("docker-compose.test.yml"), ...args], environment)
      const control = `${project}_control_1`
      const gate = `${project}_gate_1`
      const workers = ContainerNames.deploymentFilter(project)

      // Taken down as the README says: the control plane first, then its workers, then the rest. Also the
      // safety net when the test fails half-way; each step tolerates what is already gone.
      const down = Effect.gen(function*() {
        yield* Effect.ignore(compose("stop", "control"))
        const left = yield* resourcesLabelled("container", ...workers)
        if (left.length > 0) yield* docker("rm", "-f", ...left)
        yield* compose("down", "--volumes", "--timeout", "10")
        const volumes = yield* resourcesLabelled("volume", ...workers)
        if (volumes.length > 0) yield* docker("volume", "rm", ...volumes)
      })
      const up = yield* Effect.acquireRelease(compose("up", "-d", "--no-build"), () => Effect.ignoreCause(down, { log: true }))
      assert.notInclude(up, "ERROR")

      // The image's HEALTHCHECK (the control plane's /healthz) reports it healthy.
      yield* eventually("a healthy control plane", docker("inspect", "--format", "{{.State.Health.Status}}", control), (s) => s === "healthy", "90 seconds")
      assert.deepStrictEqual(
        yield* resourcesLabelled("container", projectLabel),
        [control, gate, `${project}_postgres_1`, `${project}_redis_1`].sort()
      )
      // Only the gate holds the engine's socket; the control plane's secrets are files, not its environment.
      const inspected = (name: string) =>
        Effect.map(docker("inspect", name), (json) =>
          (JSON.parse(json) as Array<{ Config: { Env: Array<string> }; Mounts: Array<{ Source: string }> }>)[0]!)
      const [controlInfo, gateInfo] = [yield* inspected(control), yield* inspected(gate)]
      assert.isFalse(controlInfo.Mounts.some((mount) => mount.Source.endsWith("docker.sock")), "the control plane holds no engine socket")
      assert.isTrue(gateInfo.Mounts.some((mount) => mount.Source === "/var/run/docker.sock"))
      for (const secret of [api.token, redisPassword, Fs.readFileSync(Path.join(secrets, "session_master_key"), "utf8")]) {
        assert.isFalse(controlInfo.Config.Env.some((entry) => entry.includes(secret)), "no secret in the control plane's environment")
      }
      // Redis asks for its password.
      assert.include(yield* docker("exec", `${project}_redis_1`, "redis-cli", "-p", String(ports.redis), "ping"), "NOAUTH")

      const { seller, phone } = newSeller()
      yield* sellerGetsOneQuote(seller, phone, admin)

      // The worker is a container the control plane made through the gate, with its own volume and its own
      // Redis user, and the image's liveness check finds it healthy.
      const worker = ContainerNames.workerName(phone)
      const workerEnv = (yield* inspected(worker)).Config.Env
      assert.isTrue(workerEnv.some((entry) => entry.startsWith(`REDIS_URL=redis://vigia-bull-${phone}:`)), "its own Redis user")
      assert.isFalse(workerEnv.some((entry) => entry.includes(redisPassword)), "never the control plane's Redis password")
      assert.deepStrictEqual(yield* resourcesLabelled("container", ...workers), [worker])
      assert.deepStrictEqual(yield* resourcesLabelled("volume", ...workers), [ContainerNames.volumeName(phone)])
      yield* eventually("a healthy worker", docker("inspect", "--format", "{{.State.Health.Status}}", worker), (s) => s === "healthy", "60 seconds")
      assertNoSecretsIn(yield* docker("logs", control), phone, api.token)

      yield* down
      assert.deepStrictEqual(yield* resourcesLabelled("container", projectLabel), [], "no container of the project")
      assert.deepStrictEqual(yield* resourcesLabelled("volume", projectLabel), [], "no volume of the project")
      assert.deepStrictEqual(yield* resourcesLabelled("container", ...workers), [], "no worker container")
      assert.deepStrictEqual(yield* resourcesLabelled("volume", ...workers), [], "no worker volume")
    }), { timeout: 240_000 })
})
