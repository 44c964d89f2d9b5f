import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as ConfigCheck from "../../src/config/ConfigCheck.ts"
import * as ControlConfig from "../../src/config/ControlConfig.ts"

const checkWith = (environment: Record<string, string>) =>
  ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(environment))),
    Effect.flip
  )

describe("ConfigCheck", () => {
  it.effect("reports every malformed variable at once, one line each, in the operator's words", () =>
    Effect.gen(function*() {
      const error = yield* checkWith({ HTTP_PORT: "eighty", LOG_FORMAT: "xml", DATABASE_POOL_SIZE: "many" })
      assert.deepStrictEqual([...error.lines].sort(), [
        "invalid configuration: DATABASE_POOL_SIZE: must be a whole number",
        "invalid configuration: HTTP_PORT: must be a port number",
        "invalid configuration: LOG_FORMAT: must be json or pretty"
      ])
    }))

  it.effect("passes with nothing set: every area has its defaults", () =>
    ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    ))

  it.effect("a variable without a hint is reported in the schema's words, with its name", () =>
    Effect.gen(function*() {
      const error = yield* ConfigCheck.check({ area: ControlConfig.areas.http }).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ HTTP_PORT: "eighty" }))),
        Effect.flip
      )
      assert.strictEqual(error.lines.length, 1)
      assert.match(error.lines[0]!, /^invalid configuration: HTTP_PORT: .+/)
    }))
})
