import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted, Schema } from "effect"
import { commandError, loginCodeDigits, retryAfterSeconds } from "../src/CommandProcessor.ts"
import { TdlClosed, TdlError, TdlibFailure, TdlTimeout } from "../src/tdlib/TdlError.ts"

const Digit = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 9 }))

describe("CommandProcessor", () => {
  it.effect.prop(
    "a login code typed with any separators between its digits is read as its digits",
    [Schema.Array(Digit), Schema.Array(Schema.String)],
    ([digits, separators]) =>
      Effect.sync(() => {
        const noDigits = separators.map((separator) => separator.replace(/[0-9]/g, ""))
        const typed = digits.map((digit, i) => `${noDigits[i] ?? ""}${digit}`).join("") + (noDigits.at(-1) ?? "")
        assert.strictEqual(Redacted.value(loginCodeDigits(Redacted.make(typed))), digits.join(""))
      })
  )

  it.effect("reads the forms a person types", () =>
    Effect.sync(() => {
      for (const typed of ["1 2 3 4 5", "1-2-3-4-5", "1a2b3c4d5", " 12345 ", "1.2.3.4.5"]) {
        assert.strictEqual(Redacted.value(loginCodeDigits(Redacted.make(typed))), "12345")
      }
    }))

  it.effect("keeps TDLib's errors as sent, with the flood wait as retryAfterSeconds", () =>
    Effect.sync(() => {
      const flood = commandError(new TdlError({
        reason: new TdlibFailure({ request: "checkAuthenticationCode", code: 429, message: "Too Many Requests: retry after 43" })
      }))
      assert.deepStrictEqual([flood.code, flood.message, flood.retryAfterSeconds], [
        429,
        "Too Many Requests: retry after 43",
        43
      ])
      const invalid = commandError(new TdlError({
        reason: new TdlibFailure({ request: "checkAuthenticationCode", code: 400, message: "PHONE_CODE_INVALID" })
      }))
      assert.isUndefined(invalid.retryAfterSeconds)
      const timeout = commandError(new TdlError({ reason: new TdlTimeout({ request: "getMe", timeout: "2s" }) }))
      assert.deepStrictEqual([timeout.code, timeout.message], [504, "TDLib did not answer getMe within 2s"])
      const closed = commandError(new TdlError({ reason: new TdlClosed({ request: "getMe" }) }))
      assert.strictEqual(closed.code, 503)
      assert.deepStrictEqual(retryAfterSeconds("PHONE_CODE_INVALID"), Option.none())
    }))
})
