import { assert, layer } from "@effect/vitest"
import { type Duration, Effect, Redacted, Schedule, type Scope } from "effect"
import { tcpProxy } from "../../../../test-support/TcpProxy.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { exchange, includes } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// The control plane as a process against the fake Bot API in the ways a Bot API server other than Telegram's
// (an emulator, a local server, a bad day) answers: each test gets a fake of its own.

const seller: FakeUser = { id: 9_300_000_001, first_name: "Ana" }

const started = (api: FakeBotApi["Service"], apiRoot = api.apiRoot) =>
  Effect.gen(function*() {
    const folder = yield* ControlProcess.singleProcessFolder
    const database = yield* TestDatabase
    return yield* ControlProcess.start(ControlProcess.singleProcessEnvironment({ token: api.token, apiRoot }, folder, {
      DATABASE_URL: Redacted.value(database.url),
      BOT_POLL_TIMEOUT: "2 seconds"
    }))
  })

const readyz = (control: ControlProcess.ControlProcess) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${control.metricsPort}/readyz`).then((response) => response.status))

const logLines = (control: ControlProcess.ControlProcess, text: string) =>
  control.output().split("\n").filter((line) => line.includes(text))

const callsOf = (api: FakeBotApi["Service"], method: string) =>
  Effect.map(api.calls, (calls) => calls.filter((call) => call.method === method))

const until = <A>(what: string, effect: Effect.Effect<A>, done: (a: A) => boolean, within: Duration.Input = "30 seconds") =>
  effect.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("200 millis") }),
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) })
  )

/** The fake Bot API of one test, with its opt-in mode set before the control plane starts. */
const withFakeApi = <A, E>(test: Effect.Effect<A, E, FakeBotApi | TestDatabase | Scope.Scope>) =>
  test.pipe(Effect.scoped, Effect.provide(FakeBotApi.layer))

layer(TestDatabase.layerEmpty, { excludeTestServices: true, timeout: "60 seconds" })("start-up", (it) => {
  it.effect("a commands menu refused with an answer lacking error_code holds nothing up: ready, and retried aside", () =>
    withFakeApi(Effect.gen(function*() {
      const api = yield* FakeBotApi
      yield* api.answerRaw("setMyCommands", {
        status: 500,
        body: { message: "API method 'setMyCommands' is not supported." },
        times: 2
      })
      const control = yield* started(api)
      yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
      yield* until("the ready line", Effect.sync(() => logLines(control, "bot is ready").length), (lines) => lines > 0)
      assert.strictEqual(yield* readyz(control), 200)
      // Refused twice, then set, in the background.
      yield* until("the menu set", callsOf(api, "setMyCommands"), (calls) => calls.length >= 3)
      assert.isAbove(logLines(control, "setMyCommands").length, 0, "the refusal is logged")
    })), { timeout: 90_000 })

  it.effect("a Bot API that cannot be reached at start: start-up says what it waits for, on each retry, then polls", () =>
    withFakeApi(Effect.gen(function*() {
      const api = yield* FakeBotApi
      const proxy = yield* tcpProxy({ host: "127.0.0.1", port: Number(new URL(api.apiRoot).port) })
      yield* proxy.cut
      const control = yield* started(api, `http://127.0.0.1:${proxy.port}`)
      yield* until("two warnings about getMe", Effect.sync(() => logLines(control, "getMe").length), (lines) => lines >= 2)
      assert.strictEqual(yield* readyz(control), 503)
      assert.deepStrictEqual(logLines(control, "bot is ready"), [])
      yield* proxy.restore
      yield* exchange(seller, "/start", includes("Eu sou o Vigia"), "60 seconds")
      yield* until("ready", readyz(control), (status) => status === 200)
    })), { timeout: 120_000 })

  it.effect("empty getUpdates answers that come back at once are no busy loop", () =>
    withFakeApi(Effect.gen(function*() {
      const api = yield* FakeBotApi
      yield* api.ignorePollTimeout
      const control = yield* started(api)
      yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
      const before = (yield* callsOf(api, "getUpdates")).length
      yield* Effect.sleep("5 seconds")
      const polls = (yield* callsOf(api, "getUpdates")).length - before
      assert.isAtMost(polls, 10, `${polls} getUpdates in 5 seconds`)
      assert.isAtLeast(polls, 2, "still polling")
      assert.strictEqual(yield* readyz(control), 200)
    })), { timeout: 90_000 })

  it.effect("a polling loop that fails is restarted, and readiness reports it while getUpdates fails", () =>
    withFakeApi(Effect.gen(function*() {
      const api = yield* FakeBotApi
      // Polling's first call is refused once: the loop stops, and must be started again.
      yield* api.failNext("deleteWebhook", { error_code: 400, description: "Bad Request: not now" })
      const control = yield* started(api)
      yield* exchange(seller, "/start", includes("Eu sou o Vigia"), "30 seconds")
      yield* until("ready", readyz(control), (status) => status === 200)

      yield* api.failFor("getUpdates", "20 seconds", { error_code: 502, description: "Bad Gateway" })
      yield* until("unready while getUpdates fails", readyz(control), (status) => status === 503)
      yield* until("ready again", readyz(control), (status) => status === 200, "45 seconds")
      yield* exchange(seller, "/ajuda", (message) => message.text.length > 0)
    })), { timeout: 120_000 })
})
