import { assert, describe, it } from "@effect/vitest"
import * as OrderParser from "../src/OrderParser.ts"
import * as ProductMatcher from "../src/ProductMatcher.ts"
import * as Quantity from "../src/Quantity.ts"
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

  it("an empty table matches nothing", () => {
    const empty = ProductMatcher.make([])
    assert.strictEqual(empty.match(OrderParser.parse("2 cocas")[0] ?? assert.fail())._tag, "NotFound")
  })
})
