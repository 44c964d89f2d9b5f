import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { fold, singular, terms } from "../src/Words.ts"

describe("Words", () => {
  it("folds case and accents without changing offsets", () => {
    assert.strictEqual(fold("Pão de Queijo ÀÉÎÕÜÇ ñ 🥤"), "pao de queijo aeiouc n 🥤")
  })

  it.prop("fold keeps the length of any text", [Schema.String], ([text]) => {
    assert.strictEqual(fold(text).length, text.length)
  })

  it.each([
    ["cocas", "coca"],
    ["coca", "coca"],
    ["paes", "pao"],
    ["pao", "pao"],
    ["pasteis", "pastel"],
    ["limoes", "limao"],
    ["pudins", "pudim"],
    ["colheres", "colher"],
    ["nozes", "noz"],
    ["ovos", "ovo"],
    ["franceses", singular("frances")],
    ["gas", "gas"],
    ["2l", "2l"]
  ])("singular(%s) = %s", (plural, expected) => {
    assert.strictEqual(singular(plural), expected)
  })

  it("terms: folded, singular, no filler, sizes kept whole", () => {
    assert.deepStrictEqual(terms("Pães de Queijo"), ["pao", "queijo"])
    assert.deepStrictEqual(terms("Coca-Cola 1.5L"), ["coca", "cola", "1,5l"])
    assert.deepStrictEqual(terms("por favor!"), [])
  })
})
