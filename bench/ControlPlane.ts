/**
 * The built control plane (`packages/control/dist/main.js`) as a child process: its environment for the bench
 * (fake Bot API, this run's PostgreSQL database and Redis prefix, process runtime, fake TDLib), the time from spawn
 * to `/readyz` answering 200, and a stop by SIGTERM as an orchestrator would.
 */
import { Effect, Redacted, Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { freePort } from "../test-support/PrivateRedis.ts"
import { redisUrl, repositoryRoot } from "./Environment.ts"

export const entry = Path.join(repositoryRoot, "packages/control/dist/main.js")

export interface Control {
  readonly pid: number
  readonly port: number
  /** Milliseconds from spawning the process to its first `/readyz` 200. */
  readonly readyAfterMs: number
  /** What it printed (kept for a failure's report). */
  readonly output: () => string
}

export interface ControlSetup {
  readonly apiRoot: string
  readonly token: string
  readonly databaseUrl: Redacted.Redacted<string>
  readonly prefix: string
  readonly workerDataDir: string
  readonly masterKey: Redacted.Redacted<string>
  readonly fakeScript: unknown
}

/** The control plane's environment in the bench; `extra` adds or overrides variables. */
export const environment = (setup: ControlSetup, extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  BOT_TOKEN: setup.token,
  BOT_API_ROOT: setup.apiRoot,
  DATABASE_URL: Redacted.value(setup.databaseUrl),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: setup.prefix,
  CONTAINER_RUNTIME: "process",
  TDL_DRIVER: "fake",
  FAKE_TDL_SCRIPT: JSON.stringify(setup.fakeScript),
  SESSION_MASTER_KEY: Redacted.value(setup.masterKey),
  WORKER_DATA_DIR: setup.workerDataDir,
  WORKER_DEPLOYMENT: setup.prefix,
  LOG_FORMAT: "json",
  // A profile of the control plane: BENCH_CONTROL_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…".
  ...(process.env.BENCH_CONTROL_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.BENCH_CONTROL_NODE_OPTIONS }),
  ...extra
})

const readyz = (port: number) =>
  fetch(`http://127.0.0.1:${port}/readyz`).then((response) => response.ok, () => false)

/** Starts the control plane and waits (polling every 10 ms, up to `within` ms) until it is ready; stopped with the scope. */
export const start = (
  env: Readonly<Record<string, string>>,
  within = 60_000
): Effect.Effect<Control, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = ChildProcess.spawn(process.execPath, [entry], {
          // `/readyz` is on the operator's listener (the webhook's, HTTP_PORT, stays closed while polling).
          env: { PATH: process.env.PATH ?? "", ...env, METRICS_HOST: "127.0.0.1", METRICS_PORT: String(port) },
          stdio: ["ignore", "pipe", "pipe"]
        })
        const keep = (chunk: Buffer) => void (output = (output + chunk.toString("utf8")).slice(-200_000))
        child.stdout.on("data", keep)
        child.stderr.on("data", keep)
        return child
      }),
      (child) =>
        Effect.callback<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          const killer = setTimeout(() => child.kill("SIGKILL"), 20_000)
          child.once("exit", () => (clearTimeout(killer), resume(Effect.void)))
          child.kill("SIGTERM")
        })
    )
    const spawnedAt = performance.now()
    const readyAfterMs = yield* Effect.promise(async () => {
      while (performance.now() - spawnedAt < within) {
        if (child.exitCode !== null) return Number.NaN
        if (await readyz(port)) return performance.now() - spawnedAt
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      return Number.NaN
    })
    if (!Number.isFinite(readyAfterMs)) {
      return yield* Effect.fail(new Error(`the control plane did not become ready:\n${output.slice(-4000)}`))
    }
    return { pid: child.pid ?? 0, port, readyAfterMs, output: () => output } satisfies Control
  })
