import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import * as PhoneNumber from "../src/PhoneNumber.ts"

describe("PhoneNumber", () => {
  it.effect.each([
    ["+55 (11) 91234-5678", "5511912345678"],
    ["55 11 91234 5678", "5511912345678"],
    ["+5511912345678", "5511912345678"],
    ["0055 11 91234.5678", "5511912345678"],
    ["+1 (415) 555-0100", "14155550100"]
  ] as const)("normalizes %s", ([input, expected]) =>
    Effect.gen(function*() {
      assert.strictEqual<string>(yield* PhoneNumber.normalize(input), expected)
    }))

  it.effect.each([
    ["", "Empty"],
    ["   ", "Empty"],
    ["+55 11 9123x-5678", "InvalidCharacters"],
    ["12345", "TooShort"],
    ["+55 11 91234 5678 12345", "TooLong"],
    ["+0 11 91234 5678", "InvalidCountryCode"]
  ] as const)("rejects %j as %s", ([input, reason]) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(PhoneNumber.normalize(input))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(PhoneNumber.normalize(input))
      assert.strictEqual(error.reason, reason)
      assert.isNotEmpty(error.message)
    }))

  it("masks all but the country code and the last four digits", () => {
    const phone = Schema.decodeUnknownSync(PhoneNumber.PhoneNumber)("5511912345678")
    assert.strictEqual(PhoneNumber.mask(phone), "+55 *******5678")
  })

  it.effect.prop("normalize(format(p)) = p, and normalize is idempotent", [PhoneNumber.PhoneNumber], ([phone]) =>
    Effect.gen(function*() {
      const once = yield* PhoneNumber.normalize(PhoneNumber.format(phone))
      assert.strictEqual(once, phone)
      assert.strictEqual(yield* PhoneNumber.normalize(once), once)
    }))
})
