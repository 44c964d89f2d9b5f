import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as OrderExplanation from "../src/OrderExplanation.ts"
import * as PriceTableParser from "../src/PriceTableParser.ts"
import * as ProductMatcher from "../src/ProductMatcher.ts"
import * as Quote from "../src/Quote.ts"

const matcher = ProductMatcher.make(
  PriceTableParser.parse(`
Pão francês = 0,80
Pão de queijo = 1,20
Coca-Cola 2L (coca) = 9,50
Presunto = 39,90 / kg
Tomate = 8,90 / kg
`).items
)

const Piece = Schema.Literals([
  "2", "10", "1/2", "1/0", "meia", "uma", "kg", "dúzia", "de", "e", "x", "coca", "zero", "pão", "presunto", "tomates",
  "coxinha", "?", "me vê", "tem", "quanto", "Rua", "apto", "45", "15h", "R$", "25,00", "11 98765-4321", ",", "\n", "!",
  "bom dia", "por favor", "🙏"
])

describe("OrderExplanation", () => {
  it("says of every piece what was read, how products scored, and why it was priced, listed or left out", () => {
    const explanation = OrderExplanation.explain(
      matcher,
      "Bom dia! 10 pão, 2 coca zero e 1/2 kg de presunto pras 7h. Rua das Flores 123"
    )
    assert.isTrue(explanation.isOrder)
    assert.deepStrictEqual(
      explanation.pieces.map((piece) => [piece.text, piece.outcome]),
      [
        ["Bom dia", "Chatter"],
        ["10 pão", "Priced"],
        ["2 coca zero", "Check"],
        ["1/2 kg de presunto pras 7h", "Priced"],
        ["Rua das Flores 123", "Chatter"]
      ]
    )
    const [greeting, bread, zero, ham, street] = explanation.pieces
    assert.include(greeting?.why ?? "", "greetings")
    assert.include(bread?.why ?? "", "most common meaning")
    assert.deepStrictEqual(bread?.match?.candidates.map((candidate) => candidate.item.name).sort(), ["Pão de queijo", "Pão francês"])
    assert.include(zero?.match?.candidates[0]?.setAside ?? "", "\"zero\"")
    assert.deepStrictEqual(ham?.read, {
      quantity: "0,5",
      unit: "kg",
      product: "presunto",
      quantityKind: "Stated",
      ignored: "pras 7h",
      inherited: null
    })
    assert.include(street?.why ?? "", "address")
    const text = OrderExplanation.text(explanation)
    assert.include(text, "\"Rua das Flores 123\": chatter")
    assert.include(text, "0.90 Pão francês")
    assert.include(text, "ignored \"pras 7h\"")
  })

  it("says why a message is not an order", () => {
    const question = OrderExplanation.explain(matcher, "tem coca gelada?")
    assert.isFalse(question.isOrder)
    assert.include(question.pieces[0]?.why ?? "", "question")
    const tomatoes = OrderExplanation.explain(matcher, "3 tomates")
    assert.strictEqual(tomatoes.pieces[0]?.outcome, "Check")
    assert.include(tomatoes.pieces[0]?.why ?? "", "sold by kg")
    const hug = OrderExplanation.explain(matcher, "um abraço a todos")
    assert.isFalse(hug.isOrder)
    assert.include(hug.pieces[0]?.why ?? "", "no line with a quantity")
  })

  it.prop("agrees with the quote on any message: its priced and listed pieces are the quote's lines", [
    Schema.Array(Piece)
  ], ([pieces]) => {
    for (const separator of [" ", ""]) {
      const message = pieces.join(separator)
      const explanation = OrderExplanation.explain(matcher, message)
      const quote = Quote.fromMessage(matcher, message)
      assert.strictEqual(explanation.isOrder, !Quote.isEmpty(quote), message)
      const kept = explanation.pieces.filter((piece) => piece.outcome !== "Chatter").length
      assert.strictEqual(kept, quote.priced.length + quote.unmatched.length)
    }
  })

  it.prop("never throws on any string", [Schema.String], ([message]) => {
    OrderExplanation.text(OrderExplanation.explain(matcher, message))
    Quote.fromMessage(matcher, message)
  })
})
