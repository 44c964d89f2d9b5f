import { assert, describe, it } from "@effect/vitest"
import * as Quantity from "../src/Quantity.ts"

const q = (numerator: number, denominator = 1) => {
  const quantity = Quantity.make(numerator, denominator)
  return quantity ?? assert.fail(`no quantity ${numerator}/${denominator}`)
}

describe("Quantity", () => {
  it("keeps rationals in lowest terms and refuses non-positive ones", () => {
    assert.deepStrictEqual(q(6, 12), q(1, 2))
    assert.isUndefined(Quantity.make(0, 1))
    assert.isUndefined(Quantity.make(1, 0))
    assert.isUndefined(Quantity.make(-1, 2))
    assert.isUndefined(Quantity.make(1.5, 2))
  })

  it.each([
    ["2", q(2)],
    ["1,5", q(3, 2)],
    ["1.5", q(3, 2)],
    ["0,25", q(1, 4)],
    ["1.000", q(1000)],
    ["1,000", q(1)],
    ["0,125", q(1, 8)]
  ])("reads %s", (text, expected) => {
    assert.deepStrictEqual(Quantity.fromDecimal(text), expected)
  })

  it.each(["0", "0,0", "1234567", "1,2345", "", "1,", "abc"])("%j is not a quantity", (text) => {
    assert.isUndefined(Quantity.fromDecimal(text))
  })

  it.each([
    [q(2), "2"],
    [q(3, 2), "1,5"],
    [q(1, 8), "0,125"],
    [q(21, 20), "1,05"],
    [q(5, 12), "5/12"]
  ])("formats %o as %s", (quantity, text) => {
    assert.strictEqual(Quantity.format(quantity), text)
  })

  it("converts between units of the same kind only", () => {
    assert.deepStrictEqual(Quantity.convert(q(500), "g", "kg"), q(1, 2))
    assert.deepStrictEqual(Quantity.convert(q(3, 2), "l", "ml"), q(1500))
    assert.deepStrictEqual(Quantity.convert(q(1, 2), "dz", "un"), q(6))
    assert.deepStrictEqual(Quantity.convert(q(5), "un", "dz"), q(5, 12))
    assert.isUndefined(Quantity.convert(q(1), "kg", "un"))
    assert.isUndefined(Quantity.convert(q(1), "cx", "pct"))
  })

  it("knows the words for units", () => {
    assert.strictEqual(Quantity.unitOf("quilos"), "kg")
    assert.strictEqual(Quantity.unitOf("duzia"), "dz")
    assert.strictEqual(Quantity.unitOf("pacotes"), "pct")
    assert.isUndefined(Quantity.unitOf("garrafa"))
  })
})
