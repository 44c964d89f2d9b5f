import { assert, describe, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import * as Util from "node:util"
import * as SwarmSecrets from "../../../src/sessions/runtimes/SwarmSecrets.ts"

describe("Swarm secrets file", () => {
  it.prop("a quoted value reads back unchanged through Node's env-file parser", [Schema.String], ([value]) => {
    const quoted = SwarmSecrets.quoteEnvValue(value)
    if (/[\r\n]/.test(value) || !value.isWellFormed()) return Option.isNone(quoted)
    if (Option.isNone(quoted)) return ["'", "`"].every((q) => value.includes(q)) && (value.includes("\"") || value.includes("\\"))
    return Util.parseEnv(`SECRET=${quoted.value}\n`).SECRET === value
  })

  it("values with every kind of quote still pass when one kind is free", () => {
    for (const value of ["p#w$x\\y", "it's", "a'b`c", "redis://:p@ss'w#rd@127.0.0.1:6379"]) {
      const quoted = Option.getOrThrow(SwarmSecrets.quoteEnvValue(value))
      assert.strictEqual(Util.parseEnv(`SECRET=${quoted}`).SECRET, value)
    }
  })
})
