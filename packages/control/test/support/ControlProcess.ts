/**
 * Runs the built control plane (`packages/control/dist/main.js`) as a child process for
 * end-to-end tests: started with an environment, ready when `/healthz` answers on its metrics listener,
 * stopped with SIGTERM.
 */
import { Effect, Redacted, Schedule, Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import { freePort } from "../../../../test-support/PrivateRedis.ts"
import { FakeBotApi } from "./FakeBotApi.ts"
import { TestDatabase } from "./TestDatabase.ts"

export const controlEntry = Url.fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface ControlProcess {
  readonly pid: number
  /** The webhook's listener (`HTTP_PORT`; only open in webhook mode). */
  readonly port: number
  /** The operator's listener (`METRICS_PORT`): `/healthz`, `/readyz`, `/metrics`. */
  readonly metricsPort: number
  /** Everything the process printed so far (for a failing test's report). */
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const healthy = (port: number) =>
  Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/healthz`)).pipe(
    Effect.filterOrFail((response) => response.ok, () => new Error("not healthy yet"))
  )

/** Stops the control plane as an orchestrator would (SIGTERM) and waits for it to exit. */
export const stop = (control: ControlProcess) =>
  Effect.try(() => process.kill(control.pid, "SIGTERM")).pipe(
    Effect.ignore, // already gone
    Effect.andThen(Effect.promise(() => control.exited))
  )

/** Spawns the control plane on two free loopback ports; stopped when the scope closes. */
const spawn = (environment: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const port = yield* freePort
    const metricsPort = yield* freePort.pipe(Effect.repeat({ until: (other) => other !== port }))
    return yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = ChildProcess.spawn(process.execPath, [controlEntry], {
          env: {
            PATH: process.env.PATH ?? "",
            ...environment,
            HTTP_HOST: "127.0.0.1",
            HTTP_PORT: String(port),
            METRICS_HOST: "127.0.0.1",
            METRICS_PORT: String(metricsPort)
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
        return { pid: child.pid ?? 0, port, metricsPort, output: () => output, exited } satisfies ControlProcess
      }),
      stop
    )
  })

/** Starts the control plane and waits until its `/healthz` answers; stopped when the scope closes. */
export const start = (environment: Readonly<Record<string, string>>): Effect.Effect<ControlProcess, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const control = yield* spawn(environment)
    const exitedEarly = Effect.promise(() => control.exited).pipe(
      Effect.flatMap((code) => Effect.fail(new Error(`the control plane exited with ${code} before it was healthy`)))
    )
    yield* healthy(control.metricsPort).pipe(
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: "60 seconds" }))),
      Effect.raceFirst(exitedEarly),
      Effect.mapError((error) => new Error(`${error.message}; the control plane did not become healthy:\n${control.output()}`))
    )
    return control
  })

/**
 * Starts a control plane that is expected to refuse to start: its exit code and everything it printed; fails
 * when it becomes healthy instead (or has not exited within a minute).
 */
export const refused = (environment: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const control = yield* spawn(environment)
    // Either listener: a control plane that serves `/healthz` anywhere has started.
    const becameHealthy = healthy(control.metricsPort).pipe(
      Effect.catch(() => healthy(control.port)),
      Effect.retry(Schedule.spaced("200 millis")),
      Effect.flatMap(() => Effect.fail(new Error(`the control plane started instead of refusing:\n${control.output()}`)))
    )
    const code = yield* Effect.promise(() => control.exited).pipe(
      Effect.raceFirst(becameHealthy),
      Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.fail(new Error("the control plane neither exited nor started")) })
    )
    return { code, output: control.output() }
  }).pipe(Effect.scoped)

/**
 * A folder for a control plane that runs alone (embedded PostgreSQL, inline workers), removed with the scope;
 * readable by others, because the embedded PostgreSQL runs as the `postgres` user when the tests run as root.
 */
export const singleProcessFolder = Effect.acquireRelease(
  Effect.sync(() => {
    const folder = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-single-"))
    Fs.chmodSync(folder, 0o755)
    return folder
  }),
  (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
)

/** The environment of a control plane alone on one machine, as the README's run command starts it. */
export const singleProcessEnvironment = (
  api: { readonly token: string; readonly apiRoot: string },
  folder: string,
  extra: Readonly<Record<string, string>> = {}
) => ({
  BOT_TOKEN: api.token,
  BOT_API_ROOT: api.apiRoot,
  TDL_DRIVER: "fake",
  VIGIA_DATA_DIR: Path.join(folder, "control"),
  WORKER_DATA_DIR: Path.join(folder, "sessions"),
  LOG_FORMAT: "json",
  ...extra
})

/**
 * The environment of a control plane over the machine's PostgreSQL and Redis, its workers as processes with the fake
 * TDLib under `workersRoot`, quick to notice a worker gone; `prefix` keeps its queues and workers apart from others'.
 */
export const processEnvironment = (options: {
  readonly api: { readonly token: string; readonly apiRoot: string }
  readonly databaseUrl: string
  readonly redisUrl: string
  readonly prefix: string
  readonly workersRoot: string
  readonly admins: ReadonlyArray<number>
}) => ({
  BOT_TOKEN: options.api.token,
  BOT_API_ROOT: options.api.apiRoot,
  ADMIN_TELEGRAM_IDS: options.admins.join(","),
  DATABASE_URL: options.databaseUrl,
  REDIS_URL: options.redisUrl,
  QUEUE_PREFIX: options.prefix,
  CONTAINER_RUNTIME: "process",
  SESSION_MASTER_KEY: "process-environment-master-key",
  TDL_DRIVER: "fake",
  WORKER_DATA_DIR: options.workersRoot,
  WORKER_DEPLOYMENT: options.prefix,
  WORKER_HEARTBEAT_INTERVAL: "1",
  WORKER_SILENCE_THRESHOLD: "5 seconds",
  WORKER_CHECK_INTERVAL: "500 millis",
  QUEUE_SWEEP_INTERVAL: "1 second",
  LOG_FORMAT: "json"
})

/**
 * A control plane alone on one machine (inline workers, the fake TDLib) over the test's own database and the fake
 * Bot API, as the bot's end-to-end tests run it: its data folder, which holds the workers' folders.
 */
export const startOverTestDatabase = (extra: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    const database = yield* TestDatabase
    const folder = yield* singleProcessFolder
    const control = yield* start(singleProcessEnvironment(api, folder, { DATABASE_URL: Redacted.value(database.url), ...extra }))
    return { control, folder }
  })
