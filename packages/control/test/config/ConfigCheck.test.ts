import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as ConfigCheck from "../../src/config/ConfigCheck.ts"
import * as ControlConfig from "../../src/config/ControlConfig.ts"

/** What the README says a new user sets: the Telegram secrets. */
const secrets = { BOT_TOKEN: "123:abc", TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "0123456789abcdef" }

const checkWith = (environment: Record<string, string>) =>
  ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(environment))),
    Effect.flip
  )

describe("ConfigCheck", () => {
  it.effect("reports every malformed variable at once, one line each, in the operator's words", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({ ...secrets, HTTP_PORT: "eighty", LOG_FORMAT: "xml", DATABASE_POOL_SIZE: "many" })
      assert.deepStrictEqual([...error.lines].sort(), [
        "invalid configuration: DATABASE_POOL_SIZE: must be a whole number",
        "invalid configuration: HTTP_PORT: must be a port number",
        "invalid configuration: LOG_FORMAT: must be json or pretty"
      ])
    }))

  it.effect("reports a phone region no numbering plan has, and bad login limits, in the operator's words", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({ ...secrets, PHONE_DEFAULT_REGION: "Brasil", LOGIN_RATE_LIMIT: "0", LOGIN_TIMEOUT: "soon" })
      assert.deepStrictEqual([...error.lines].sort(), [
        "invalid configuration: LOGIN_RATE_LIMIT: must be a whole number, at least 1",
        "invalid configuration: LOGIN_TIMEOUT: must be a duration such as \"10 minutes\"",
        "invalid configuration: PHONE_DEFAULT_REGION: must be a two-letter region code such as BR"
      ])
    }))

  it.effect("reports a retention that is not a whole number of days and a summary interval that is not a duration", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({ ...secrets, ORDER_RETENTION_DAYS: "0", SUMMARY_CHECK_INTERVAL: "often", RETENTION_CHECK_INTERVAL: "1 hour" })
      assert.deepStrictEqual([...error.lines].sort(), [
        "invalid configuration: ORDER_RETENTION_DAYS: must be a whole number of days, at least 1",
        "invalid configuration: SUMMARY_CHECK_INTERVAL: must be a duration such as \"1 minute\""
      ])
      const fraction = yield* checkWith({ ...secrets, ORDER_RETENTION_DAYS: "1.5" })
      assert.deepStrictEqual(fraction.lines, ["invalid configuration: ORDER_RETENTION_DAYS: must be a whole number of days, at least 1"])
    }))

  it.effect("reports a pool size below 1, above 1,000 or not a whole number", () =>
    Effect.gen(function*() {
      for (const size of ["0", "1001", "2.5", "many"]) {
        const error = yield* checkWith({ ...secrets, WORKER_ACCOUNTS_PER_PROCESS: size })
        assert.deepStrictEqual(error.lines, [
          "invalid configuration: WORKER_ACCOUNTS_PER_PROCESS: must be a whole number from 1 to 1000 (1: each account in a worker of its own)"
        ])
      }
    }))

  it.effect("accepts pools of 1 to 1,000 accounts", () =>
    Effect.forEach(["1", "100", "1000"], (size) =>
      ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ...secrets, WORKER_ACCOUNTS_PER_PROCESS: size })))
      ), { discard: true }))

  it.effect("passes with only the Telegram secrets set: every other variable has its default", () =>
    ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(secrets)))
    ))

  it.effect("with nothing set, says which secrets are missing, each once", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({})
      for (const name of Object.keys(secrets)) {
        assert.strictEqual(error.lines.filter((line) => line.includes(`${name}:`)).length, 1, error.lines.join("\n"))
      }
    }))

  it.effect("a variable without a hint is reported in the schema's words, with its name", () =>
    Effect.gen(function*() {
      const error = yield* ConfigCheck.check({ area: ControlConfig.areas.http }).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ HTTP_PORT: "eighty" }))),
        Effect.flip
      )
      assert.strictEqual(error.lines.length, 1)
      assert.match(error.lines[0]!, /^invalid configuration: HTTP_PORT: .+/)
    }))

  it.effect("webhook mode requires WEBHOOK_SECRET, in one line naming the rule; a secret Telegram would refuse is named too", () =>
    Effect.gen(function*() {
      const webhook = { ...secrets, WEBHOOK_URL: "https://vigia.example.com/telegram/webhook" }
      const missing = yield* checkWith(webhook)
      assert.strictEqual(missing.lines.length, 1, missing.lines.join("\n"))
      assert.match(missing.lines[0]!, /^invalid configuration: WEBHOOK_SECRET: required with WEBHOOK_URL/)
      const malformed = yield* checkWith({ ...webhook, WEBHOOK_SECRET: "not allowed: spaces" })
      assert.deepStrictEqual(malformed.lines.map((line) => line.split(":")[1]?.trim()), ["WEBHOOK_SECRET"])
      yield* ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ...webhook, WEBHOOK_SECRET: "s3cret_With-dashes" })))
      )
    }))

  it.effect("the operator's listener cannot share the webhook's port", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({
        ...secrets,
        WEBHOOK_URL: "https://vigia.example.com/telegram/webhook",
        WEBHOOK_SECRET: "s3cret",
        HTTP_PORT: "8080",
        METRICS_PORT: "8080"
      })
      assert.strictEqual(error.lines.length, 1, error.lines.join("\n"))
      assert.match(error.lines[0]!, /^invalid configuration: METRICS_PORT: .*HTTP_PORT/)
    }))
})
