import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { RateLimiter } from "../../src/bot/RateLimiter.ts"
import * as BotConfig from "../../src/config/BotConfig.ts"

const verdicts = Effect.gen(function*() {
  const limiter = yield* RateLimiter
  const verdicts = yield* Effect.forEach(Array.from({ length: 6 }), () => limiter.take(1))
  assert.deepStrictEqual(verdicts, ["allowed", "allowed", "allowed", "refused-tell", "refused-quiet", "refused-quiet"])
  assert.strictEqual(yield* limiter.take(2), "allowed", "another seller has a window of their own")
  yield* TestClock.adjust("10 seconds")
  assert.strictEqual(yield* limiter.take(1), "allowed")
})

describe("RateLimiter", () => {
  it.effect("lets a seller through up to the limit, tells them once, then drops quietly until the window ends", () =>
    verdicts.pipe(Effect.provide(RateLimiter.layer({ limit: 3, window: Duration.seconds(10) }))))

  it.effect("reads its limit and window from BOT_RATE_LIMIT and BOT_RATE_WINDOW", () =>
    verdicts.pipe(Effect.provide(
      RateLimiter.layerConfig(BotConfig.rateLimit).pipe(
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ BOT_RATE_LIMIT: "3", BOT_RATE_WINDOW: "10 seconds" })))
      )
    )))
})
