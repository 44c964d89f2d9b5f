import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { ControlSettings } from "../../src/config/ControlSettings.ts"
import { RateLimiter } from "../../src/bot/RateLimiter.ts"

const settings = Layer.succeed(ControlSettings, ControlSettings.of({
  runtime: "inline",
  adminIds: new Set(),
  httpHost: "127.0.0.1",
  httpPort: 0,
  webhookUrl: Option.none(),
  webhookSecret: Option.none(),
  rateLimit: 3,
  rateWindow: Duration.seconds(10)
}))

describe("RateLimiter", () => {
  it.effect("lets a seller through up to the limit, tells them once, then drops quietly until the window ends", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter
      const verdicts = yield* Effect.forEach(Array.from({ length: 6 }), () => limiter.take(1))
      assert.deepStrictEqual(verdicts, ["allowed", "allowed", "allowed", "refused-tell", "refused-quiet", "refused-quiet"])
      assert.strictEqual(yield* limiter.take(2), "allowed", "another seller has a window of their own")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* limiter.take(1), "allowed")
    }).pipe(Effect.provide(RateLimiter.layer.pipe(Layer.provide(settings)))))
})
