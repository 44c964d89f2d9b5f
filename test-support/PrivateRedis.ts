/**
 * Test support shared by every package's tests: a free loopback port, and a private
 * `redis-server` on one that a test may stop and start again (append-only, so data survives).
 */
import { Effect, Schedule, Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

/** A TCP port free on 127.0.0.1 right now. */
export const freePort: Effect.Effect<number> = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

export interface PrivateRedis {
  readonly url: string
  readonly port: number
  /** Starts the server (again); returns once it answers PING. */
  readonly start: Effect.Effect<void>
  /** Stops it with SHUTDOWN (data kept in its append-only file); nothing when already stopped. */
  readonly stop: Effect.Effect<void>
  /** Stops it, leaves it down a moment (clients notice), starts it again. */
  readonly restart: Effect.Effect<void>
}

/**
 * A private redis-server, started now and stopped (its folder removed) when the scope closes; with a `password`,
 * its `default` user requires it (`requirepass`) and `url` carries it.
 */
export const privateRedisWith = (options: { readonly password?: string } = {}): Effect.Effect<PrivateRedis, never, Scope.Scope> => Effect.gen(function*() {
  const port = yield* freePort
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-redis-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const auth = options.password === undefined ? {} : { REDISCLI_AUTH: options.password }
  const cli = (...args: Array<string>) =>
    Effect.sync(() =>
      ChildProcess.spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8", env: { ...process.env, ...auth } }).stdout.trim()
    )
  let server: ChildProcess.ChildProcess | undefined

  const start = Effect.gen(function*() {
    server = ChildProcess.spawn(
      "redis-server",
      [
        "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir,
        ...(options.password === undefined ? [] : ["--requirepass", options.password])
      ],
      { stdio: "ignore" }
    )
    yield* cli("ping").pipe(
      Effect.flatMap((answer) => answer === "PONG" ? Effect.void : Effect.fail("not answering yet")),
      Effect.retry(Schedule.spaced("50 millis")),
      Effect.timeout("5 seconds"),
      Effect.orDie
    )
  })

  const stop = Effect.gen(function*() {
    const running = server
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()))
    yield* cli("shutdown")
    yield* Effect.promise(() => exited)
  })

  yield* start
  yield* Effect.addFinalizer(() => stop)
  const credentials = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`
  return {
    url: `redis://${credentials}127.0.0.1:${port}`,
    port,
    start,
    stop,
    restart: stop.pipe(Effect.andThen(Effect.sleep("300 millis")), Effect.andThen(start))
  }
})

/** A private redis-server without a password (see `privateRedisWith`). */
export const privateRedis: Effect.Effect<PrivateRedis, never, Scope.Scope> = privateRedisWith()
