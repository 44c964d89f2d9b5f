import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Money from "../src/Money.ts"
import * as OrderParser from "../src/OrderParser.ts"
import { Centavos, PriceItem } from "../src/PriceTable.ts"
import * as ProductMatcher from "../src/ProductMatcher.ts"
import * as Quote from "../src/Quote.ts"
import { sampleTable } from "./SampleTable.ts"

const matcher = ProductMatcher.make(sampleTable)

const Piece = Schema.Literals([
  "2", "3", "1,5", "0,333", "x", "2x", "x4", "kg", "500g", "un", "dz", "meia", "uma", "dúzia", "de", "coca", "cocas",
  "lata", "2L", "pão", "pães de queijo", "francês", "carne moída", "ovos", "leite", "ml", "cerveja", "e", ",", "\n",
  ";", "!", "bom dia", "por favor", "🥤", "kkkk", "99999"
])

describe("Quote", () => {
  it("prices an order, keeps what it could not price, and writes it for the seller", () => {
    const quote = Quote.fromMessage(
      matcher,
      "Bom dia! Quero 2 cocas 2L, 500g de carne moída, 5 ovos e 3 pães de queijo\n2 cocas\n3 cervejas\n2kg de pdq\nobrigado"
    )
    assert.deepStrictEqual(quote.priced.map((line) => [line.item.name, line.total]), [
      ["Coca-Cola 2L", 1900],
      ["Carne moída", 1995],
      ["Ovos", 500],
      ["Pão de queijo", 360]
    ])
    assert.deepStrictEqual(quote.unmatched.map((line) => [line.line.text, line.reason]), [
      ["2 cocas", "Ambiguous"],
      ["3 cervejas", "NotFound"],
      ["2kg de pdq", "UnitMismatch"]
    ])
    assert.strictEqual(quote.total, 4755)
    assert.strictEqual(
      Quote.text(quote),
      [
        "🧾 Pedido",
        "• 2 un × Coca-Cola 2L (R$ 9,50/un) = R$ 19,00",
        "• 0,5 kg × Carne moída (R$ 39,90/kg) = R$ 19,95",
        "• 5 un × Ovos (R$ 12,00/dz) = R$ 5,00",
        "• 3 un × Pão de queijo (R$ 1,20/un) = R$ 3,60",
        "Total: R$ 47,55",
        "",
        "⚠️ Confira com o cliente (fora do total):",
        "• \"2 cocas\": pode ser Coca-Cola 2L ou Coca-Cola Lata 350ml",
        "• \"3 cervejas\": não está na tabela",
        "• \"2kg de pdq\": Pão de queijo é vendido por un"
      ].join("\n")
    )
  })

  it("rounds each line half up to the centavo", () => {
    const quote = Quote.fromMessage(matcher, "333g de carne moída\n1 ovos")
    // 39,90 × 0,333 = 13,2867 → 13,29; 12,00 / 12 = 1,00
    assert.deepStrictEqual(quote.priced.map((line) => line.total), [1329, 100])
  })

  it("an order with nothing on the table is kept whole, with a zero total", () => {
    const quote = Quote.fromMessage(matcher, "2 cervejas e 1 vinho")
    assert.isFalse(Quote.isEmpty(quote))
    assert.strictEqual(quote.unmatched.length, 2)
    assert.strictEqual(quote.total, 0)
    assert.include(Quote.text(quote), "Nenhum item do pedido foi encontrado na tabela.")
  })

  it("chatter gives an empty quote", () => {
    assert.isTrue(Quote.isEmpty(Quote.fromMessage(matcher, "bom dia pessoal!")))
  })

  it("a line whose total would pass the maximum is not priced", () => {
    const jewel = new PriceItem({ name: "Joia", aliases: [], unit: "un", price: Centavos.make(Money.maximum) })
    const quote = Quote.fromMessage(ProductMatcher.make([jewel]), "1 joia\n2 joias")
    assert.deepStrictEqual(quote.priced.map((line) => line.total), [Money.maximum])
    assert.deepStrictEqual(quote.unmatched.map((line) => line.reason), ["TooLarge"])
    assert.strictEqual(quote.total, Money.maximum)
  })

  it.prop(
    "the total is the sum of the priced lines, each line is price × quantity rounded, and no line is dropped",
    [Schema.Array(Piece)],
    ([pieces]) => {
      const message = pieces.join(" ")
      const lines = OrderParser.parse(message)
      const quote = Quote.make(matcher, lines)
      assert.strictEqual(quote.priced.length + quote.unmatched.length, lines.length)
      let sum = 0
      for (const line of quote.priced) {
        assert.strictEqual(line.total, Money.times(line.unitPrice, line.quantity))
        sum += line.total
      }
      assert.strictEqual(quote.total, sum)
    }
  )
})
