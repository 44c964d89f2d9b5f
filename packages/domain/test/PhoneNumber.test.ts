import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import * as PhoneNumber from "../src/PhoneNumber.ts"

const brazil = Schema.decodeUnknownSync(PhoneNumber.Region)("BR")
const portugal = Schema.decodeUnknownSync(PhoneNumber.Region)("PT")

describe("PhoneNumber", () => {
  it.effect.each([
    ["+55 (11) 91234-5678", "5511912345678"],
    ["55 11 91234 5678", "5511912345678"],
    ["+5511912345678", "5511912345678"],
    ["0055 11 91234.5678", "5511912345678"],
    ["11 91234-5678", "5511912345678"],
    ["(21) 98888-7777", "5521988887777"],
    ["11 3456-7890", "551134567890"],
    ["+1 (415) 555-2671", "14155552671"],
    ["+351 912 345 678", "351912345678"]
  ] as const)("parses %s as a person types it, Brazil by default", ([input, expected]) =>
    Effect.gen(function*() {
      assert.strictEqual<string>(yield* PhoneNumber.parse(input, brazil), expected)
    }))

  it.effect("a number without its country code belongs to the configured region", () =>
    Effect.gen(function*() {
      assert.strictEqual<string>(yield* PhoneNumber.parse("912 345 678", portugal), "351912345678")
      assert.strictEqual<string>(yield* PhoneNumber.parse("+55 11 91234-5678", portugal), "5511912345678")
    }))

  it.effect.each([
    ["", "Empty"],
    ["   ", "Empty"],
    ["+", "Empty"],
    ["+55 11 9123x-5678", "InvalidCharacters"],
    ["+55 11 1234", "TooShort"],
    ["12345", "TooShort"],
    ["+55 11 91234 5678 12345", "TooLong"],
    ["+0 11 91234 5678", "InvalidCountryCode"],
    ["+999 1234 5678", "InvalidCountryCode"],
    ["+55 11 81234 5678", "NotInUse"],
    ["+55 00 91234 5678", "NotInUse"]
  ] as const)("refuses %j as %s", ([input, reason]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(PhoneNumber.parse(input, brazil))
      assert.strictEqual(error.reason, reason)
      assert.isNotEmpty(error.message)
    }))

  it("a region is one a numbering plan has", () => {
    assert.isTrue(Exit.isFailure(Schema.decodeUnknownExit(PhoneNumber.Region)("XX")))
    assert.isTrue(Exit.isFailure(Schema.decodeUnknownExit(PhoneNumber.Region)("br")))
  })

  it.effect.each([
    ["+55 (11) 91234-5678", "5511912345678"],
    ["55 11 91234 5678", "5511912345678"],
    ["0055 11 91234.5678", "5511912345678"],
    ["+1 (415) 555-0100", "14155550100"]
  ] as const)("normalizes the E.164 number %s a program writes", ([input, expected]) =>
    Effect.gen(function*() {
      assert.strictEqual<string>(yield* PhoneNumber.normalize(input), expected)
    }))

  it.effect.each([
    ["", "Empty"],
    ["+55 11 9123x-5678", "InvalidCharacters"],
    ["12345", "TooShort"],
    ["+55 11 91234 5678 12345", "TooLong"],
    ["+0 11 91234 5678", "InvalidCountryCode"]
  ] as const)("normalize refuses %j as %s", ([input, reason]) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(PhoneNumber.normalize(input))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual((yield* Effect.flip(PhoneNumber.normalize(input))).reason, reason)
    }))

  it.each([
    ["5511912345678", "+55 *******5678"],
    ["14155552671", "+1 ******2671"],
    ["351912345678", "+351 *****5678"],
    ["99912345678", "+999 ****5678"]
  ] as const)("masks %s as %s: the country code and the last four digits", (digits, masked) => {
    assert.strictEqual(PhoneNumber.mask(Schema.decodeUnknownSync(PhoneNumber.PhoneNumber)(digits)), masked)
  })

  it.effect.prop("normalize(format(p)) = p, and normalize is idempotent", [PhoneNumber.PhoneNumber], ([phone]) =>
    Effect.gen(function*() {
      const once = yield* PhoneNumber.normalize(PhoneNumber.format(phone))
      assert.strictEqual(once, phone)
      assert.strictEqual(yield* PhoneNumber.normalize(once), once)
    }))

  it.effect.prop("parse reads back every number it accepts, formatted", [PhoneNumber.PhoneNumber], ([phone]) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.exit(PhoneNumber.parse(PhoneNumber.format(phone), brazil))
      if (Exit.isSuccess(parsed)) assert.strictEqual(yield* PhoneNumber.parse(PhoneNumber.format(parsed.value), brazil), parsed.value)
    }))
})
