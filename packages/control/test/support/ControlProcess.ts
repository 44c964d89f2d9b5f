/**
 * Runs the built control plane (`packages/control/dist/main.js`) as a child process for
 * end-to-end tests: started with an environment, ready when `/healthz` answers, stopped with SIGTERM.
 */
import { Effect, Schedule, Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import { freePort } from "../../../../test-support/PrivateRedis.ts"

export const controlEntry = Url.fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface ControlProcess {
  readonly pid: number
  readonly port: number
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

/** Starts the control plane and waits until its HTTP endpoint answers; stopped when the scope closes. */
export const start = (environment: Readonly<Record<string, string>>): Effect.Effect<ControlProcess, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    const control = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = ChildProcess.spawn(process.execPath, [controlEntry], {
          env: { PATH: process.env.PATH ?? "", ...environment, HTTP_HOST: "127.0.0.1", HTTP_PORT: String(port) },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
        return { pid: child.pid ?? 0, port, output: () => output, exited } satisfies ControlProcess
      }),
      stop
    )
    const exitedEarly = Effect.promise(() => control.exited).pipe(
      Effect.flatMap((code) => Effect.fail(new Error(`the control plane exited with ${code} before it was healthy`)))
    )
    yield* healthy(port).pipe(
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: "60 seconds" }))),
      Effect.raceFirst(exitedEarly),
      Effect.mapError((error) => new Error(`${error.message}; the control plane did not become healthy:\n${control.output()}`))
    )
    return control
  })

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
  TDL_DRIVER: "fake",
  WORKER_DATA_DIR: options.workersRoot,
  WORKER_DEPLOYMENT: options.prefix,
  WORKER_HEARTBEAT_INTERVAL: "1",
  WORKER_SILENCE_THRESHOLD: "5 seconds",
  WORKER_CHECK_INTERVAL: "500 millis",
  QUEUE_SWEEP_INTERVAL: "1 second",
  LOG_FORMAT: "json"
})
