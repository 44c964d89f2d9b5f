import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { ProcessedMessages } from "../../src/data/ProcessedMessages.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const services = Layer.mergeAll(ProcessedMessages.layer, Users.layer, Subscriptions.layer)

layer(services.pipe(Layer.provideMerge(TestDatabase.layer)))("ProcessedMessages", (it) => {
  it.effect("50 concurrent claims of the same message: exactly one succeeds", () =>
    Effect.gen(function*() {
      const processed = yield* ProcessedMessages
      const seller = yield* newSeller("basic")
      const message = { userId: seller.id, chatId: -1_001_234_567_890, messageId: 4_294_967_297 }
      const claims = yield* Effect.all(Array.from({ length: 50 }, () => processed.claim(message)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(claims.filter((claimed) => claimed).length, 1)
    }))

  it.effect("claims are per user, chat and message; a released claim can be taken again", () =>
    Effect.gen(function*() {
      const processed = yield* ProcessedMessages
      const first = yield* newSeller("basic")
      const second = yield* newSeller("basic")
      const message = { userId: first.id, chatId: -1_009_007_199_254, messageId: 7 }
      assert.isTrue(yield* processed.claim(message))
      assert.isFalse(yield* processed.claim(message))
      assert.isTrue(yield* processed.claim({ ...message, messageId: 8 }))
      assert.isTrue(yield* processed.claim({ ...message, chatId: message.chatId - 1 }))
      assert.isTrue(yield* processed.claim({ ...message, userId: second.id }))
      yield* processed.release(message)
      assert.isTrue(yield* processed.claim(message))
    }))

  it.effect("old claims are pruned, recent ones kept", () =>
    Effect.gen(function*() {
      const processed = yield* ProcessedMessages
      const seller = yield* newSeller("basic")
      yield* TestClock.adjust("1 day")
      const cutoff = yield* DateTime.nowAsDate
      // Earlier tests' claims are older still: clear them so the count below is this test's own.
      yield* processed.pruneBefore(cutoff)
      const old = { userId: seller.id, chatId: 1, messageId: 1 }
      yield* processed.claim(old)
      yield* TestClock.adjust("1 day")
      const recent = { userId: seller.id, chatId: 1, messageId: 2 }
      yield* processed.claim(recent)
      assert.strictEqual(yield* processed.pruneBefore(new Date(cutoff.getTime() + 1)), 1)
      assert.isTrue(yield* processed.claim(old))
      assert.isFalse(yield* processed.claim(recent))
    }))
})
