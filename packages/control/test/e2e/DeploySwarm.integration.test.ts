import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import { freePort } from "../../../../test-support/PrivateRedis.ts"
import {
  assertNoSecretsIn,
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
import { TestDatabase } from "../support/TestDatabase.ts"
import { cleanup, docker, eventually, swarmMode } from "../support/WorkerHarness.ts"

// infra/docker-compose.prod.yml deployed by deploy.sh on a single-node swarm, with the test override: the
// stack on the host's network on loopback, the machine's PostgreSQL behind the database_url secret, the
// Redis stand-in, the fake Bot API, fake TDLib workers created by the control plane as Swarm services.
const stack = uniqueName("vigiatest")
const admin: FakeUser = { id: 9_300_000_000, first_name: "Admin" }
const stackLabel = `com.docker.stack.namespace=${stack}`
const nodeLabels = ["vigia.redis", "vigia.sessions"] as const

const imageId = (image: string) => docker("image", "inspect", "--format", "{{.Id}}", image)

/** The node's labels deploy.sh may add: removed afterwards unless they were there before. */
const restoreNodeLabels = Effect.acquireRelease(
  docker("node", "inspect", "self", "--format", "{{json .Spec.Labels}}").pipe(
    Effect.map((json) => Object.keys(JSON.parse(json) as Record<string, string> | null ?? {}))
  ),
  (before) => {
    const added = nodeLabels.filter((label) => !before.includes(label))
    return added.length === 0
      ? Effect.void
      : Effect.ignoreCause(docker("node", "update", ...added.flatMap((label) => ["--label-rm", label]), "self"))
  }
)

layer(Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty), { excludeTestServices: true, timeout: "60 seconds" })(
  "infra/docker-compose.prod.yml",
  (it) => {
    it.effect("deploy.sh waits for a healthy control plane; it runs a seller's worker as a service; down.sh leaves nothing", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const database = yield* TestDatabase
        yield* prepareImages
        yield* swarmMode
        yield* restoreNodeLabels
        const folder = yield* Effect.acquireRelease(
          Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-swarm-"))),
          (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
        )
        // Settings that are not secrets, as an operator passes them (VIGIA_SETTINGS_FILE).
        const settings = Path.join(folder, "settings.env")
        yield* writeEnvFile(settings, {
          WORKER_HEARTBEAT_INTERVAL: "1",
          WORKER_CHECK_INTERVAL: "1 second",
          WORKER_STOP_GRACE: "5 seconds",
          QUEUE_SWEEP_INTERVAL: "1 second"
        })
        const environment = {
          VIGIA_STACK: stack,
          // The secrets deploy.sh creates (the API hash is unused by fake TDLib workers, but the stack needs it).
          BOT_TOKEN: api.token,
          TELEGRAM_API_HASH: "unused-by-fake-tdlib",
          DATABASE_URL: Redacted.value(database.url),
          TELEGRAM_API_ID: "1",
          ADMIN_TELEGRAM_IDS: String(admin.id),
          VIGIA_SETTINGS_FILE: settings,
          // No registry: the images are this engine's, by id.
          VIGIA_RESOLVE_IMAGE: "never",
          CONTROL_IMAGE: yield* imageId("vigia/control:latest"),
          GATE_IMAGE: yield* imageId("vigia/docker-gate:latest"),
          REDIS_IMAGE: yield* imageId("vigia-test/redis:bookworm"),
          DEPLOY_TIMEOUT: "120",
          TEST_REDIS_PORT: String(yield* freePort),
          TEST_HTTP_PORT: String(yield* freePort),
          TEST_BOT_API_ROOT: api.apiRoot
        }
        const workers = ContainerNames.deploymentFilter(stack)
        const down = run(infra("scripts/down.sh"), ["--volumes", "--secrets"], environment)
        // The safety net when the test fails half-way.
        yield* Effect.addFinalizer(() =>
          Effect.ignoreCause(down, { log: true }).pipe(Effect.andThen(Effect.ignoreCause(cleanup(stack, stack), { log: true }))))

        const deployed = yield* run(infra("scripts/deploy.sh"), ["-f", infra("docker-compose.prod.test.yml")], environment)
        assert.include(deployed, "the control plane is healthy")
        // deploy.sh returned: the control plane's container is healthy by its image's HEALTHCHECK.
        const [control] = yield* resourcesLabelled("container", stackLabel, `com.docker.swarm.service.name=${stack}_control`)
        assert.strictEqual(yield* docker("inspect", "--format", "{{.State.Health.Status}}", control!), "healthy")
        assert.deepStrictEqual(yield* resourcesLabelled("service", stackLabel), [`${stack}_control`, `${stack}_gate`, `${stack}_redis`])
        // Only the gate holds the engine's socket; Redis asks for its password.
        const mounts = (service: string) =>
          docker("service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}", `${stack}_${service}`)
        assert.notInclude(yield* mounts("control"), "docker.sock", "the control plane holds no engine socket")
        assert.include(yield* mounts("gate"), "/var/run/docker.sock")
        const [redis] = yield* resourcesLabelled("container", stackLabel, `com.docker.swarm.service.name=${stack}_redis`)
        assert.include(yield* docker("exec", redis!, "redis-cli", "-p", environment.TEST_REDIS_PORT, "ping"), "NOAUTH")

        const { seller, phone } = newSeller()
        yield* sellerGetsOneQuote(seller, phone, admin)

        // The worker is a Swarm service the control plane created through the API, running (so healthy: a
        // task with a HEALTHCHECK runs only once healthy), its secrets in a Docker secret.
        const worker = ContainerNames.workerName(phone)
        assert.deepStrictEqual(yield* resourcesLabelled("service", ...workers), [worker])
        yield* eventually(
          "the worker's task running",
          docker("service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", worker),
          (state) => state.startsWith("Running"),
          "60 seconds"
        )
        assert.strictEqual((yield* resourcesLabelled("secret", ...workers)).length, 1)
        assertNoSecretsIn(yield* docker("service", "logs", "--raw", `${stack}_control`), phone, api.token)

        // deploy.sh again changes nothing and says what runs, the worker included.
        assert.include(yield* run(infra("scripts/deploy.sh"), ["-f", infra("docker-compose.prod.test.yml")], environment), worker)

        yield* down
        for (const kind of ["service", "container", "volume", "secret"] as const) {
          assert.deepStrictEqual(yield* resourcesLabelled(kind, ...workers), [], `no worker ${kind}`)
          assert.deepStrictEqual(yield* resourcesLabelled(kind, stackLabel), [], `no ${kind} of the stack`)
        }
        assert.deepStrictEqual(yield* resourcesLabelled("secret", `org.vigia.stack=${stack}`), [], "no secret of deploy.sh")
      }), { timeout: 240_000 })
  }
)
