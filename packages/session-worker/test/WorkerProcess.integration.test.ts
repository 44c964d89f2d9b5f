/**
 * The built worker (`dist/bundle/main.js`, the artefact the process runtime and the image run) as a child
 * process, as the runtimes start it: signals, a Redis restart under it, real TDLib offline.
 * Needs the build: `scripts/setup.sh` (or `npm run bundle -w @vigia/session-worker`).
 */
import { assert, describe, it } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Context, Duration, Effect, Fiber, Layer, Redacted } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import { privateRedis } from "../../../test-support/PrivateRedis.ts"
import { ControlSide, outcome, queueLayer, randomPrefix, redisUrl } from "./ControlSide.ts"
import { makeDataDir, randomPhone, sessionKey } from "./TestConfig.ts"

const mainJs = Url.fileURLToPath(new URL("../dist/bundle/main.js", import.meta.url))

interface RunningWorker {
  readonly pid: number
  readonly output: Array<string>
  readonly exited: Promise<number | null>
  readonly signal: (signal: NodeJS.Signals) => void
}

/** Starts the built worker with only `environment` (and PATH); killed at the end of the scope if still running. */
const startWorker = (environment: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync((): RunningWorker => {
      if (!Fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: build with npm run bundle -w @vigia/session-worker`)
      const child = ChildProcess.spawn(process.execPath, [mainJs], {
        env: { PATH: process.env.PATH ?? "", ...environment },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const output: Array<string> = []
      const collect = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""))
      child.stdout.on("data", collect)
      child.stderr.on("data", collect)
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      return { pid: child.pid ?? 0, output, exited, signal: (signal) => void child.kill(signal) }
    }),
    (worker) =>
      Effect.promise(async () => {
        worker.signal("SIGKILL")
        await worker.exited
      })
  )

const exitCode = (worker: RunningWorker, within: Duration.Input) =>
  Effect.promise(() => worker.exited).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () => Effect.die(new Error(`the worker did not exit within ${String(within)}:\n${worker.output.join("\n")}`))
    })
  )

const fakeWorkerEnvironment = (phone: PhoneNumber, dataDir: string, prefix: string, url = redisUrl) => ({
  PHONE_NUMBER: phone,
  REDIS_URL: url,
  QUEUE_PREFIX: prefix,
  DATA_DIR: dataDir,
  TDL_DRIVER: "fake",
  FAKE_TDL_PORT: "0",
  CONTAINER_ID: "process-test",
  SESSION_KEY: sessionKey,
  LOG_FORMAT: "json",
  HEARTBEAT_INTERVAL: "1",
  COMMAND_TIMEOUT: "3"
})

/** The fake TDLib's side channel of a worker in another process. */
const sideChannel = (dataDir: string, phone: PhoneNumber) => {
  const port = () => Number(Fs.readFileSync(Path.join(dataDir, phone, "fake-tdl.port"), "utf8"))
  return (path: string, body: unknown) =>
    Effect.promise(() =>
      fetch(`http://127.0.0.1:${port()}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" }
      }).then((response) => response.status)
    )
}

/** The control plane's side of `phone`'s queues, open until the test's scope closes. */
const controlFor = (phone: PhoneNumber, prefix: string, url = redisUrl) =>
  Layer.build(ControlSide.layer(phone).pipe(Layer.provideMerge(queueLayer(prefix, url)))).pipe(
    Effect.map(Context.get(ControlSide))
  )

const temporaryDir = Effect.acquireRelease(
  Effect.sync(makeDataDir),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** A worker on the fake TDLib and the control side of its queues, once it has reported `WorkerStarted`. */
const startedFakeWorker = Effect.gen(function*() {
  const dataDir = yield* temporaryDir
  const phone = randomPhone()
  const prefix = randomPrefix()
  const control = yield* controlFor(phone, prefix)
  const worker = yield* startWorker(fakeWorkerEnvironment(phone, dataDir, prefix))
  yield* control.next("WorkerStarted", "15 seconds")
  return { dataDir, phone, control, worker }
})

describe("the built worker as a process", () => {
  it.live("starts from its bundle, answers a Ping, and stops cleanly on SIGTERM", () =>
    Effect.gen(function*() {
      const { control, worker } = yield* startedFakeWorker
      assert.deepStrictEqual(outcome(yield* control.send(new Messages.Ping())), { ok: true, value: undefined })
      worker.signal("SIGTERM")
      assert.strictEqual(yield* exitCode(worker, "10 seconds"), 0)
      const levels = worker.output.map((line) => (JSON.parse(line) as { level?: string }).level)
      assert.isTrue(levels.length > 0 && levels.every((level) => level === "INFO"), worker.output.join("\n"))
      assert.isTrue(worker.output.some((line) => line.includes("TDLib closed")))
    }).pipe(Effect.scoped))

  it.live("refuses bad configuration with one line naming each variable, every problem at once", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDir
      const base = fakeWorkerEnvironment(randomPhone(), dataDir, randomPrefix())
      const badPhone = yield* startWorker({ ...base, PHONE_NUMBER: "12ab" })
      assert.strictEqual(yield* exitCode(badPhone, "10 seconds"), 1)
      assert.strictEqual(badPhone.output.length, 1)
      assert.match(badPhone.output[0] ?? "", /^invalid configuration: PHONE_NUMBER /)
      const { SESSION_KEY: _, ...noKey } = base
      const missingKey = yield* startWorker(noKey)
      assert.strictEqual(yield* exitCode(missingKey, "10 seconds"), 1)
      assert.deepStrictEqual(missingKey.output, ["invalid configuration: SESSION_KEY is required"])
      const twoProblems = yield* startWorker({ ...base, PHONE_NUMBER: "12ab", LOG_FORMAT: "xml" })
      assert.strictEqual(yield* exitCode(twoProblems, "10 seconds"), 1)
      assert.strictEqual(twoProblems.output.length, 2, twoProblems.output.join("\n"))
      assert.match(twoProblems.output[0] ?? "", /^invalid configuration: PHONE_NUMBER /)
      assert.match(twoProblems.output[1] ?? "", /^invalid configuration: LOG_FORMAT /)
    }).pipe(Effect.scoped))

  it.live("on SIGTERM mid-command answers the command and exits 0 within seconds", () =>
    Effect.gen(function*() {
      const { control, dataDir, phone, worker } = yield* startedFakeWorker
      assert.strictEqual(
        yield* sideChannel(dataDir, phone)("/connection", { state: "connectionStateWaitingForNetwork" }),
        200
      )
      const answer = yield* control.send(new Messages.StartLogin({ phoneNumber: phone }), "15 seconds").pipe(
        Effect.forkScoped
      )
      yield* Effect.sleep("500 millis")
      const stopping = Date.now()
      worker.signal("SIGTERM")
      const response = outcome(yield* Fiber.join(answer))
      assert.deepInclude(response, { ok: false, code: 504 })
      assert.strictEqual(yield* exitCode(worker, "10 seconds"), 0)
      assert.isBelow(Date.now() - stopping, 8_000)
      const lines = worker.output.map((line) => JSON.parse(line) as { annotations?: Record<string, unknown> })
      assert.isTrue(lines.every((line) => line.annotations?.["account"] !== undefined))
      assert.isFalse(worker.output.some((line) => line.includes(phone)))
    }).pipe(Effect.scoped))

  it.live("carries on when Redis restarts under it: held updates arrive, later commands are answered", () =>
    Effect.gen(function*() {
      const redis = yield* privateRedis
      const dataDir = yield* temporaryDir
      const phone = randomPhone()
      const prefix = randomPrefix()
      const control = yield* controlFor(phone, prefix, redis.url)
      const worker = yield* startWorker(fakeWorkerEnvironment(phone, dataDir, prefix, redis.url))
      yield* control.next("WorkerStarted", "15 seconds")
      assert.isTrue(outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: phone }))).ok)
      assert.isTrue(outcome(yield* control.send(new Messages.SubmitCode({ code: Redacted.make("12345") }))).ok)
      yield* control.next("Authorized")
      assert.isTrue(outcome(yield* control.send(new Messages.SetWatchedChats({ chatIds: [-4001001001] }))).ok)

      yield* redis.stop
      const inject = sideChannel(dataDir, phone)
      assert.strictEqual(yield* inject("/messages", { chatId: -4001001001, text: "pedido com o Redis fora" }), 200)
      yield* Effect.sleep("1 second")
      yield* redis.start

      const held = yield* control.next("NewMessage", "20 seconds")
      assert.strictEqual(held.text, "pedido com o Redis fora")
      assert.isTrue(outcome(yield* control.send(new Messages.Ping(), "20 seconds")).ok)
      worker.signal("SIGTERM")
      assert.strictEqual(yield* exitCode(worker, "10 seconds"), 0)
    }).pipe(Effect.scoped), 60_000)

  it.live("runs real TDLib offline: reports WaitPhoneNumber, times out a login, closes cleanly, reopens", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDir
      const phone = randomPhone()
      const prefix = randomPrefix()
      const control = yield* controlFor(phone, prefix)
      const environment = {
        ...fakeWorkerEnvironment(phone, dataDir, prefix),
        TDL_DRIVER: "tdlib",
        TDL_NETWORK: "none",
        TELEGRAM_API_ID: "12345",
        TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef",
        COMMAND_TIMEOUT: "2"
      }
      const waitPhoneNumber = control.next("AuthorizationState", "20 seconds").pipe(
        Effect.repeat({ until: (update) => update.state === "WaitPhoneNumber" })
      )

      const first = yield* startWorker(environment)
      yield* control.next("WorkerStarted", "20 seconds")
      yield* waitPhoneNumber
      const started = Date.now()
      const login = outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: phone })))
      assert.deepInclude(login, { ok: false, code: 504 })
      assert.isBelow(Date.now() - started, 4_000)
      assert.isTrue(outcome(yield* control.send(new Messages.Ping())).ok)
      const rss = Fs.readFileSync(`/proc/${first.pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)?.[1]
      console.log(`idle worker with real TDLib: RSS ${Math.round(Number(rss) / 1024)} MiB`)
      first.signal("SIGTERM")
      assert.strictEqual(yield* exitCode(first, "15 seconds"), 0)
      assert.isTrue(first.output.some((line) => line.includes("TDLib closed")))
      assert.isFalse(first.output.some((line) => line.includes("did not close")))

      const second = yield* startWorker(environment)
      yield* control.next("WorkerStarted", "20 seconds")
      yield* waitPhoneNumber
      second.signal("SIGTERM")
      assert.strictEqual(yield* exitCode(second, "15 seconds"), 0)
    }).pipe(Effect.scoped), 60_000)
})
