import { assert, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Duration, Effect } from "effect"
import * as ConfigCheck from "../../src/config/ConfigCheck.ts"
import * as ControlConfig from "../../src/config/ControlConfig.ts"
import * as QueueConfig from "../../src/config/QueueConfig.ts"

const withEnvironment = (environment: Record<string, string>) =>
  Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(environment)))

describe("QueueConfig", () => {
  it.effect("failed jobs: at most 100 per queue for at most 7 days, transient waits up to 30 seconds, by default", () =>
    Effect.gen(function*() {
      const failures = yield* Config.unwrap(QueueConfig.failures)
      assert.strictEqual(failures.failedJobsKept, 100)
      assert.isTrue(Duration.equals(failures.failedJobsMaxAge, Duration.days(7)))
      assert.isTrue(Duration.equals(failures.maxBackoff, Duration.seconds(30)))
    }).pipe(withEnvironment({})))

  it.effect("reads QUEUE_FAILED_MAX_COUNT, QUEUE_FAILED_MAX_AGE and QUEUE_BACKOFF_MAX", () =>
    Effect.gen(function*() {
      const failures = yield* Config.unwrap(QueueConfig.failures)
      assert.strictEqual(failures.failedJobsKept, 20)
      assert.isTrue(Duration.equals(failures.failedJobsMaxAge, Duration.hours(12)))
      assert.isTrue(Duration.equals(failures.maxBackoff, Duration.seconds(5)))
    }).pipe(withEnvironment({ QUEUE_FAILED_MAX_COUNT: "20", QUEUE_FAILED_MAX_AGE: "12 hours", QUEUE_BACKOFF_MAX: "5 seconds" })))

  it.effect("a count below 1 or a malformed age is reported with the rest", () =>
    Effect.gen(function*() {
      const error = yield* ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
        withEnvironment({ BOT_TOKEN: "123:abc", QUEUE_FAILED_MAX_COUNT: "0", QUEUE_FAILED_MAX_AGE: "forever" }),
        Effect.flip
      )
      assert.includeMembers([...error.lines], [
        "invalid configuration: QUEUE_FAILED_MAX_COUNT: must be a whole number, at least 1",
        "invalid configuration: QUEUE_FAILED_MAX_AGE: must be a duration such as \"7 days\""
      ])
    }))
})
