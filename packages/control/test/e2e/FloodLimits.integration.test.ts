import { afterAll, assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Data from "../../src/data/layer.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import { cleanup, customerWrites, deployment, environment, linkOf, ready, type Seller, seedSeller } from "../support/OrderHarness.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { eventually } from "../support/WorkerHarness.ts"

const at = deployment("flood")
const sellerCount = 20
const orderCount = 1000
const ordersPerSecond = 100

const TestLayer = Layer.mergeAll(FakeBotApi.layerWithLimits(), Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

/** `count` orders at `rate` a second, round robin over the sellers; each order's seller and message id. */
const injectAtRate = (sellers: ReadonlyArray<Seller>, count: number, rate: number) =>
  Effect.forEach(
    Array.from({ length: count }, (_, index) => index),
    (index) =>
      Effect.gen(function*() {
        yield* Effect.sleep(`${Math.round((index * 1000) / rate)} millis`)
        const seller = sellers[index % sellers.length]!
        const messageId = yield* customerWrites(at, seller.phone, `${(index % 9) + 1}x coca 2l`)
        return { seller, messageId }
      }),
    { concurrency: "unbounded" }
  )

layer(TestLayer, { excludeTestServices: true, timeout: "120 seconds" })("orders under Telegram's flood limits", (it) => {
  it.effect("1,000 orders from 20 sellers at 100/s: none lost, none twice, no 429 after the first, fewer messages than orders", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sellers = yield* Effect.forEach(Array.from({ length: sellerCount }), () => seedSeller(at, { plan: "basic" }))
      yield* ControlProcess.start(environment(at, api, yield* TestDatabase))
      yield* Effect.forEach(sellers, (seller) => ready(at, seller, "5 seconds"), { concurrency: 5, discard: true })
      const refusedBefore = yield* api.tooManyRequests
      const callsBefore = (yield* api.calls).length

      const orders = yield* injectAtRate(sellers, orderCount, ordersPerSecond)
      const occurrences = Effect.gen(function*() {
        const counts = new Map<string, number>()
        for (const seller of sellers) {
          for (const message of yield* api.messagesIn(seller.chatId)) {
            for (const link of message.text.match(/https:\/\/t\.me\/c\/\d+\/\d+/g) ?? []) {
              counts.set(`${seller.chatId} ${link}`, (counts.get(`${seller.chatId} ${link}`) ?? 0) + 1)
            }
          }
        }
        return orders.map(({ seller, messageId }) => counts.get(`${seller.chatId} ${linkOf(messageId)}`) ?? 0)
      })
      yield* eventually("every order reported", occurrences, (counts) => counts.every((count) => count > 0), "180 seconds").pipe(
        Effect.catchDefect(() => Effect.void)
      )
      yield* Effect.sleep("3 seconds")

      const counts = yield* occurrences
      assert.strictEqual(counts.filter((count) => count === 0).length, 0, "orders lost")
      assert.strictEqual(counts.filter((count) => count > 1).length, 0, "orders reported twice")
      assert.isAtMost((yield* api.tooManyRequests) - refusedBefore, 1, "429s provoked")
      const reports = (yield* api.calls).slice(callsBefore).filter((call) =>
        call.method === "sendMessage" && sellers.some((seller) => seller.chatId === Number(call.params.chat_id)))
      assert.isBelow(reports.length, orderCount, "Bot API messages for 1,000 orders")
      yield* Effect.logInfo("1,000 orders under the flood limits", {
        messages: reports.length,
        tooManyRequests: (yield* api.tooManyRequests) - refusedBefore
      })
    }).pipe(Effect.scoped), { timeout: 420_000 })
})

afterAll(() => Effect.runPromise(cleanup(at)))
