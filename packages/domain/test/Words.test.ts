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
    assert.deepStrictEqual(terms("Coca-Cola 1.5L"), ["coca", "cola", "1500ml"])
    assert.deepStrictEqual(terms("por favor!"), [])
  })

  it("terms: one canonical size however it is written", () => {
    for (const text of ["coca 2L", "coca 2 litros", "coca 2lt", "coca 2000ml", "coca 2,0 l"]) {
      assert.deepStrictEqual(terms(text), ["coca", "2000ml"], text)
    }
    assert.deepStrictEqual(terms("Arroz 5kg"), ["arroz", "5000g"])
    assert.deepStrictEqual(terms("café 500 gramas"), ["cafe", "500g"])
    assert.deepStrictEqual(terms("Papel higiênico 12 rolos"), ["papel", "higienico", "12", "rolo"])
    assert.deepStrictEqual(terms("Gás P13"), ["gas", "p13"])
  })
})
