import { assert, describe, it } from "@effect/vitest"
import * as OrderParser from "../src/OrderParser.ts"
import * as ProductMatcher from "../src/ProductMatcher.ts"
import * as Quantity from "../src/Quantity.ts"
import * as PriceTableParser from "../src/PriceTableParser.ts"
import { sampleTable } from "./SampleTable.ts"

const matcher = ProductMatcher.make(sampleTable)

/** What the matcher says of the single line of `message`: `name quantity unit`, `? a | b`, `unit ≠ name` or `-`. */
const matchOf = (message: string): string => {
  const [line, ...rest] = OrderParser.parse(message)
  assert.isDefined(line, `no order line in ${message}`)
  assert.isEmpty(rest)
  const result = matcher.match(line ?? assert.fail())
  switch (result._tag) {
    case "Matched":
      return `${result.item.name} ${Quantity.format(result.quantity)} ${result.item.unit}`
    case "Ambiguous":
      return `? ${result.candidates.map((item) => item.name).join(" | ")}`
    case "UnitMismatch":
      return `unit ≠ ${result.item.name}`
    case "NotFound":
      return "-"
  }
}

describe("ProductMatcher", () => {
  it.each([
    ["2 coca 2l", "Coca-Cola 2L 2 un"],
    ["2 COCA-COLA 2L", "Coca-Cola 2L 2 un"],
    ["2 cocacola 2l", "Coca-Cola 2L 2 un"],
    ["2 coca cola 2l", "Coca-Cola 2L 2 un"],
    ["2 refrigerante coca 2l", "Coca-Cola 2L 2 un"],
    ["3 coca lata", "Coca-Cola Lata 350ml 3 un"],
    ["3 cocas lata", "Coca-Cola Lata 350ml 3 un"],
    ["1 coca 350ml", "Coca-Cola Lata 350ml 1 un"],
    ["coca 2l", "Coca-Cola 2L 1 un"],
    ["2 guaraná", "Refrigerante Guaraná 2L 2 un"],
    ["2 guarana", "Refrigerante Guaraná 2L 2 un"],
    ["3 pães de queijo", "Pão de queijo 3 un"],
    ["3 PAO DE QUEIJO", "Pão de queijo 3 un"],
    ["3 pdq", "Pão de queijo 3 un"],
    ["4 pães franceses", "Pão francês 4 un"],
    ["4 pao frances", "Pão francês 4 un"],
    ["2 pastéis", "Pastel de carne 2 un"],
    ["2 pasteis de carne", "Pastel de carne 2 un"],
    ["1,5kg de carne moída", "Carne moída 1,5 kg"],
    ["500g de carne", "Carne moída 0,5 kg"],
    ["1,5 carne moida", "Carne moída 1,5 kg"],
    ["200 de carne moida", "Carne moída 0,2 kg"],
    ["300g de quejo minas", "Queijo minas 0,3 kg"],
    ["200g de muçarela", "Mussarela 0,2 kg"],
    ["200g de mussarela", "Mussarela 0,2 kg"],
    ["200g de mussarella", "Mussarela 0,2 kg"],
    ["300g de queijo mussarela", "Mussarela 0,3 kg"],
    ["300g de queijo muçarela", "Mussarela 0,3 kg"],
    ["meia dúzia de ovos", "Ovos 0,5 dz"],
    ["6 ovos", "Ovos 0,5 dz"],
    ["uma dúzia de ovos", "Ovos 1 dz"],
    ["2 litros de leite", "Leite integral 2 l"],
    ["500ml de leite", "Leite integral 0,5 l"],
    ["2 biscoitos recheados", "Biscoito recheado 2 pct"],
    ["2un biscoito recheado", "Biscoito recheado 2 pct"],
    ["1 caixa de bombom", "Bombom sortido 1 cx"],
    ["2 cocadas", "Cocada 2 un"],
    ["2 pudins", "Pudim 2 un"],
    ["2 pães", "Pão francês 2 un"],
    ["10 pãozinho", "Pão francês 10 un"],
    ["1 coca 2 litros", "Coca-Cola 2L 1 un"],
    ["4 litros de coca", "Coca-Cola 2L 2 un"],
    ["2 cocaa 2l", "Coca-Cola 2L 2 un"]
  ])("%j → %s", (message, expected) => {
    assert.strictEqual(matchOf(message), expected)
  })

  it.each([
    ["2 cocas", "? Coca-Cola 2L | Coca-Cola Lata 350ml"]
  ])("ambiguous %j → %s, whatever the table order", (message, expected) => {
    assert.strictEqual(matchOf(message), expected)
    const reversed = ProductMatcher.make([...sampleTable].reverse())
    const result = reversed.match(OrderParser.parse(message)[0] ?? assert.fail())
    assert.strictEqual(result._tag, "Ambiguous")
  })

  it.each([
    ["3 cervejas", "-"],
    ["2 coxinhas", "-"],
    ["1 bolo de chocolate", "-"],
    ["2 kg de pão de queijo", "unit ≠ Pão de queijo"],
    ["2 un de carne moída", "unit ≠ Carne moída"],
    ["2 carne moida", "unit ≠ Carne moída"],
    ["3 queijos", "unit ≠ Queijo minas"],
    ["1 coca zero", "-"],
    ["1 coca 600ml", "-"],
    ["3 litros de coca", "unit ≠ Coca-Cola 2L"]
  ])("%j → %s", (message, expected) => {
    assert.strictEqual(matchOf(message), expected)
  })

  describe("preferences, on a table where several products share a word", () => {
    const shared = ProductMatcher.make(PriceTableParser.parse(`
Coca-Cola 2L (coca) = 9,50
Coca-Cola Lata 350ml = 5,00
Água mineral 500ml = 2,50
Água com gás 500ml = 3,00
Galão de água 20L = 16,00
Queijo minas = 45,00 / kg
Pão de queijo = 30,00 / kg
Arroz 5kg = 27,90 / pct
`).items)
    const first = (message: string) => shared.match(OrderParser.parse(message)[0] ?? assert.fail(message))
    const named = (message: string) => {
      const result = first(message)
      return result._tag === "Matched" ? `${result.item.name} ${Quantity.format(result.quantity)}` : result._tag
    }

    it.each([
      ["2 coca", "Coca-Cola 2L 2", "an alias equal to the word makes its product the preferred one"],
      ["2 coca lata", "Coca-Cola Lata 350ml 2", "more of the name typed beats the alias"],
      ["2 águas", "Água mineral 500ml 2", "the most common meaning of a plain word"],
      ["2 águas sem gás", "Água mineral 500ml 2", "\"sem gás\" sets aside what has gás"],
      ["2 águas com gás", "Água com gás 500ml 2", "the qualifier typed"],
      ["1 galão de água", "Galão de água 20L 1", "the head word typed"],
      ["500g de queijo", "Queijo minas 0,5", "the name that starts with the word over one it qualifies"],
      ["10kg de arroz", "Arroz 5kg 2", "a weight counted in packs of the size named"],
      ["7kg de arroz", "UnitMismatch", "a weight that is no whole number of packs"],
      ["2 coca zero", "NotFound", "a variant the name lacks"],
      ["2 coca 600ml", "NotFound", "a size the table does not sell"]
    ])("%j → %s (%s)", (message, expected) => {
      assert.strictEqual(named(message), expected)
    })

    it("explains the scores and what set a product aside", () => {
      const explained = shared.explain(OrderParser.parse("2 coca zero")[0] ?? assert.fail())
      assert.deepStrictEqual(explained.terms, ["coca", "zero"])
      assert.strictEqual(explained.result._tag, "NotFound")
      assert.strictEqual(explained.decision, "every candidate was set aside")
      const [top] = explained.candidates
      assert.strictEqual(top?.item.name, "Coca-Cola 2L")
      assert.include(top?.setAside ?? "", "zero")
      const water = shared.explain(OrderParser.parse("2 águas")[0] ?? assert.fail())
      assert.include(water.decision, "most common meaning")
      assert.isAtLeast(water.candidates.length, 2)
      assert.isTrue(water.candidates.every((candidate, index, all) => index === 0 || candidate.score <= (all[index - 1]?.score ?? 1)))
    })
  })

  it("an empty table matches nothing", () => {
    const empty = ProductMatcher.make([])
    assert.strictEqual(empty.match(OrderParser.parse("2 cocas")[0] ?? assert.fail())._tag, "NotFound")
  })
})
