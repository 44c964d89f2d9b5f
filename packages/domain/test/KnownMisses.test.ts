import { assert, describe, it } from "@effect/vitest"
import * as PriceTableParser from "../src/PriceTableParser.ts"
import * as ProductMatcher from "../src/ProductMatcher.ts"
import * as Quantity from "../src/Quantity.ts"
import * as Quote from "../src/Quote.ts"

/** The products the examples name, without aliases: what a new seller sends first. */
const matcher = ProductMatcher.make(
  PriceTableParser.parse(`
Coca-Cola 2L = 9,50
Coca-Cola Lata 350ml = 5,00
Pão francês = 0,80
Pão de queijo = 1,20
Presunto = 39,90 / kg
Mussarela = 49,90 / kg
Tomate = 8,90 / kg
`).items
)

/** `name quantity` of each priced line, then `reason: text` of each line to check. */
const outcome = (message: string): Array<string> => {
  const quote = Quote.fromMessage(matcher, message)
  return [
    ...quote.priced.map((line) => `${line.item.name} ${Quantity.format(line.quantity)}`),
    ...quote.unmatched.map((line) => `${line.reason}: ${line.line.text}`)
  ]
}

describe("the known misses of order reading", () => {
  it("reads a volume written out: \"2 coca 2 litros\" is two Coca-Cola 2L", () => {
    assert.deepStrictEqual(outcome("2 coca 2 litros"), ["Coca-Cola 2L 2"])
  })

  it("reads fractions: \"1/2 kg de presunto\" is half a kilo", () => {
    assert.deepStrictEqual(outcome("1/2 kg de presunto"), ["Presunto 0,5"])
  })

  it("prefers the most common meaning: a plain \"pão\" is the French roll", () => {
    assert.deepStrictEqual(outcome("10 pão"), ["Pão francês 10"])
  })

  it("lets the seller say what a plain word means: an alias equal to the word makes that product the preferred one", () => {
    const ownTable = ProductMatcher.make(PriceTableParser.parse(`
Pão francês = 0,80
Pão de queijo (pão) = 1,20
`).items)
    const [line] = Quote.fromMessage(ownTable, "10 pão").priced
    assert.strictEqual(line?.item.name, "Pão de queijo")
  })

  it("drops no line of an order: \"1 coca e 1/2 kg de mussarela\" keeps both lines", () => {
    // Without an alias saying which, "coca" may be the 2L or the can: listed for the seller, not dropped.
    assert.deepStrictEqual(outcome("1 coca e 1/2 kg de mussarela"), ["Mussarela 0,5", "Ambiguous: 1 coca"])
  })

  it("lists a line whose quantity it cannot read instead of dropping it", () => {
    assert.deepStrictEqual(outcome("2 coca 2 litros\n1/0 kg de mussarela"), [
      "Coca-Cola 2L 2",
      "Unreadable: 1/0 kg de mussarela"
    ])
  })

  it.each([
    "alguém tem troco pra 50?",
    "Rua das Flores 123, apto 45"
  ])("reports no order for chatter with numbers: %j", (message) => {
    assert.deepStrictEqual(outcome(message), [])
  })

  // The issue's own examples of money, times and questions were already let through by the old
  // parser; the ones after each of them were reported as orders by it.
  it.each([
    "me chama no zap 11 98765-4321",
    "pix enviado, 25,00",
    "vou pagar 20 no pix e 10 em dinheiro",
    "Troco pra 100 por favor",
    "chego em 10 minutos",
    "ok, 15h",
    "passo aí umas 7 da noite",
    "tem coca gelada?",
    "quanto tá o quilo do tomate?",
    "Vcs tem sabão em pó 2kg?",
    "meia dúzia de ovo dá quanto?"
  ])("reports no order for a phone number, money, a time or a question: %j", (message) => {
    assert.deepStrictEqual(outcome(message), [])
  })
})
