import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import * as Money from "../src/Money.ts"
import { Centavos } from "../src/PriceTable.ts"
import * as Quantity from "../src/Quantity.ts"

const centavos = (value: number) => Centavos.make(value)
const parsed = (text: string) => Result.getOrUndefined(Money.parse(text))
const reasonOf = (text: string) => Result.match(Money.parse(text), { onSuccess: () => undefined, onFailure: (e) => e.reason })

describe("Money", () => {
  it.each([
    [0, "R$ 0,00"],
    [5, "R$ 0,05"],
    [950, "R$ 9,50"],
    [123450, "R$ 1.234,50"],
    [100000000, "R$ 1.000.000,00"],
    [1_000_000_000_000, "R$ 10.000.000.000,00"]
  ])("formats %i centavos as %s", (value, text) => {
    assert.strictEqual(Money.format(centavos(value)), text)
  })

  it.each([
    ["9,50", 950],
    ["9.50", 950],
    ["R$ 9,50", 950],
    ["r$9,5", 950],
    ["27.90", 2790],
    ["1.234,50", 123450],
    ["1.234", 123400],
    ["1,234.50", 123450],
    ["12", 1200],
    [" 0,99 ", 99],
    ["R$ 1.000.000", 100000000]
  ])("parses %s as %i centavos", (text, value) => {
    assert.strictEqual(parsed(text), value)
  })

  it.each([
    ["", "Empty"],
    ["R$", "Empty"],
    ["abc", "NotANumber"],
    ["9,50 reais", "NotANumber"],
    ["-3,00", "Negative"],
    ["9,505", "TooManyDecimals"],
    ["1,234", "TooManyDecimals"],
    ["1.23.4", "NotANumber"],
    ["10.000.000.000,01", "TooLarge"]
  ])("rejects %j (%s) with a message", (text, reason) => {
    assert.strictEqual(reasonOf(text), reason)
    const error = Result.getFailure(Money.parse(text))
    assert.isTrue(error._tag === "Some" && error.value.message.length > 0)
  })

  it.effect.prop(
    "format and parse round-trip for every amount up to 10^12 centavos",
    [Centavos.pipe(Schema.check(Schema.isLessThanOrEqualTo(Money.maximum)))],
    ([amount]) =>
      Effect.gen(function*() {
        assert.strictEqual(yield* Effect.fromResult(Money.parse(Money.format(amount))), amount)
      })
  )

  it.each([
    [999, 1, 2, 500],
    [999, 1, 3, 333],
    [100, 1, 8, 13],
    [3990, 1, 2, 1995],
    [1200, 5, 12, 500],
    [1, 1, 2, 1],
    [1, 1, 3, 0]
  ])("%i centavos × %i/%i rounds half up to %i", (price, numerator, denominator, total) => {
    const quantity = Quantity.make(numerator, denominator)
    assert.isDefined(quantity)
    if (quantity !== undefined) assert.strictEqual(Money.times(centavos(price), quantity), total)
  })

  it.prop(
    "times is exact: round half up of price × n / d, computed in BigInt",
    [
      Centavos.pipe(Schema.check(Schema.isLessThanOrEqualTo(Money.maximum))),
      Quantity.PositiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(10_000_000))),
      Quantity.PositiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(100_000)))
    ],
    ([price, numerator, denominator]) => {
      const quantity = Quantity.make(numerator, denominator)
      assert.isDefined(quantity)
      if (quantity === undefined) return
      const exact = (2n * BigInt(price) * BigInt(numerator) + BigInt(denominator)) / (2n * BigInt(denominator))
      const total = Money.times(price, quantity)
      assert.strictEqual(total === undefined ? undefined : BigInt(total), exact <= BigInt(Money.maximum) ? exact : undefined)
    }
  )
})
