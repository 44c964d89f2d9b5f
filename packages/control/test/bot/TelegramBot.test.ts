import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as Net from "node:net"
import { TelegramBot } from "../../src/bot/TelegramBot.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"

const seller = 5_000_000_001

/** The bot against the fake Bot API, each test with its own fake. */
const WithFakeApi = Layer.unwrap(Effect.map(FakeBotApi, (api) =>
  TelegramBot.layer({ token: Redacted.make(api.token), apiRoot: api.apiRoot }))).pipe(
    Layer.provideMerge(FakeBotApi.layer),
    Layer.fresh
  )

/** The same bot against a fake that enforces Telegram's flood limits. */
const WithLimits = Layer.unwrap(Effect.map(FakeBotApi, (api) =>
  TelegramBot.layer({ token: Redacted.make(api.token), apiRoot: api.apiRoot }))).pipe(
    Layer.provideMerge(FakeBotApi.layerWithLimits()),
    Layer.fresh
  )

/** Real time passing (the test clock stands still), for the fake's HTTP answers to arrive. */
const realPause = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

const sendMessages = Effect.map(FakeBotApi.pipe(Effect.flatMap((api) => api.calls)), (calls) =>
  calls.filter((call) => call.method === "sendMessage"))

describe("TelegramBot", () => {
  layer(WithFakeApi, { excludeTestServices: true })("against Telegram's flood limits", (it) => {
    it.effect("waits out a 429's retry_after and delivers the message", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 })
        const sent = yield* telegram.send(seller, "Pedido em Feira de Sábado")
        assert.strictEqual(sent.text, "Pedido em Feira de Sábado")
        const [refused, delivered] = yield* sendMessages
        assert.isAtLeast(delivered!.at - refused!.at, 950, "the retry waited retry_after")
        assert.deepStrictEqual((yield* api.messagesIn(seller)).map((message) => message.text), ["Pedido em Feira de Sábado"])
      }))
  })

  layer(WithFakeApi, { excludeTestServices: true })("past the bound", (it) => {
    it.effect("gives a retry_after above 30 seconds back to the caller at once", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 120", retry_after: 120 })
        const error = yield* Effect.flip(telegram.send(seller, "oi"))
        assert.strictEqual(error.reason._tag, "BotApiRefused")
        assert.strictEqual(error.reason._tag === "BotApiRefused" ? error.reason.code : 0, 429)
        assert.isTrue(error.transient, "a 429 is waited out by whoever gets it")
        assert.lengthOf(yield* sendMessages, 1)
      }))
  })

  layer(WithFakeApi, { excludeTestServices: true })("answers that are not Telegram's", (it) => {
    it.effect("an error answer without error_code or description (an emulator's) is a typed refusal, not a defect", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.answerRaw("setMyCommands", { status: 500, body: { message: "API method 'setMyCommands' is not supported." } })
        const error = yield* Effect.flip(telegram.call("setMyCommands", (bot) => bot.setMyCommands([{ command: "start", description: "início" }])))
        assert.strictEqual(error.reason._tag, "BotApiRefused")
        assert.strictEqual(error.reason._tag === "BotApiRefused" ? error.reason.code : -1, 0)
        assert.isFalse(error.transient)
        assert.include(error.message, "setMyCommands")
      }))

    it.effect("a refusal such as 403 is not transient", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" })
        const error = yield* Effect.flip(telegram.send(seller, "oi"))
        assert.isFalse(error.transient)
      }))
  })

  layer(WithFakeApi)("a report, which waits out every flood", (it) => {
    it.effect("waits a retry_after past 30 seconds, pausing its chat, then delivers the message", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 45", retry_after: 45 })

        const report = yield* telegram.send(seller, "🛒 Pedido", { waitOutFloods: true }).pipe(Effect.forkChild)
        while ((yield* sendMessages).length === 0) yield* realPause(20)
        yield* realPause(100)
        yield* TestClock.adjust("44 seconds")
        yield* realPause(100)
        assert.lengthOf(yield* sendMessages, 1, "not tried again before retry_after")
        yield* TestClock.adjust("2 seconds")
        const sent = yield* Fiber.join(report)

        assert.strictEqual(sent.text, "🛒 Pedido")
        assert.lengthOf(yield* sendMessages, 2)
      }))
  })

  layer(WithLimits, { excludeTestServices: true })("under Telegram's flood limits", (it) => {
    it.effect("messages into one chat go a second apart, and Telegram never answers 429", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* Effect.forEach([1, 2, 3, 4, 5], (index) => telegram.send(seller, `mensagem ${index}`), { concurrency: "unbounded" })

        const times = (yield* sendMessages).map((call) => call.at)
        assert.lengthOf(times, 5)
        for (let index = 1; index < times.length; index++) assert.isAtLeast(times[index]! - times[index - 1]!, 900)
        assert.strictEqual(yield* api.tooManyRequests, 0)
      }), { timeout: 20_000 })
  })

  layer(WithFakeApi, { excludeTestServices: true })("against Telegram's own failures", (it) => {
    it.effect("retries a 5xx answer and delivers the message", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const telegram = yield* TelegramBot
        yield* api.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" })
        yield* telegram.send(seller, "oi")
        assert.lengthOf(yield* sendMessages, 2)
        assert.deepStrictEqual((yield* api.messagesIn(seller)).map((message) => message.text), ["oi"])
      }), { timeout: 20_000 })
  })

  it.live("retries a Bot API server that drops the connection three times, then fails as unreachable", () =>
    Effect.gen(function*() {
      let connections = 0
      const server = yield* Effect.acquireRelease(
        Effect.callback<Net.Server>((resume) => {
          const server = Net.createServer((socket) => {
            connections++
            socket.destroy()
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const { port } = server.address() as Net.AddressInfo
      const telegram = yield* TelegramBot.pipe(
        Effect.provide(TelegramBot.layer({ token: Redacted.make("1:token"), apiRoot: `http://127.0.0.1:${port}` }))
      )
      const error = yield* Effect.flip(telegram.send(seller, "oi"))
      assert.strictEqual(error.reason._tag, "BotApiUnreachable")
      assert.isTrue(error.transient)
      assert.strictEqual(connections, 4)
    }).pipe(Effect.scoped), { timeout: 20_000 })
})
