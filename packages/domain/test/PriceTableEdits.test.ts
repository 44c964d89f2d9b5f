import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as Money from "../src/Money.ts"
import { Centavos, changes, nameKey, PriceItem, Unit, withItem, withoutItem } from "../src/PriceTable.ts"
import * as PriceTableParser from "../src/PriceTableParser.ts"

const table = PriceTableParser.parse(`
Coca-Cola 2L (coca) = 9,50
Pão de queijo = 1,20
Carne moída = 39,90 / kg
Pudim = 15,00
`).items

const item = (name: string, price: number, unit: Unit = "un", aliases: ReadonlyArray<string> = []) =>
  new PriceItem({ name, aliases, unit, price: Centavos.make(price) })

const names = (items: ReadonlyArray<PriceItem>) => items.map((entry) => entry.name)

describe("what changes between two price tables", () => {
  it("pairs products by name whatever the case, accents and spacing, and lists added, removed and changed ones", () => {
    const next = [item("coca-cola  2l", 1000, "un", ["coca"]), item("Pao de Queijo", 120), item("Brigadeiro", 250), item("Pudim", 1500)]
    const diff = changes(table, next)
    assert.deepStrictEqual(names(diff.added), ["Brigadeiro"])
    assert.deepStrictEqual(names(diff.removed), ["Carne moída"])
    assert.deepStrictEqual(diff.changed.map(({ after, before }) => [before.name, after.name, after.price]), [
      ["Coca-Cola 2L", "coca-cola  2l", 1000],
      ["Pão de queijo", "Pao de Queijo", 120]
    ])
    assert.strictEqual(diff.unchanged, 1)
  })

  it("a table compared with itself changes nothing", () => {
    assert.deepStrictEqual(changes(table, table), { added: [], removed: [], changed: [], unchanged: table.length })
  })

  it("changes one product in its place, adds a new one at the end, and removes one by any spelling of its name", () => {
    const repriced = withItem(table, item("Pão de queijo", 150), "pao de  QUEIJO")
    assert.deepStrictEqual(names(repriced), names(table))
    assert.strictEqual(repriced[1]?.price, 150)
    assert.deepStrictEqual(names(withItem(table, item("Brigadeiro", 250))), [...names(table), "Brigadeiro"])
    assert.deepStrictEqual(names(withoutItem(table, "CARNE moida")), ["Coca-Cola 2L", "Pão de queijo", "Pudim"])
    assert.strictEqual(nameKey("  Pão   Francês "), "pao frances")
  })
})

describe("one product typed after a command", () => {
  it.each([
    ["Coca-Cola 2L 10", "Coca-Cola 2L", 1000, "un", false],
    ["coca 2l = R$ 10,50", "coca 2l", 1050, "un", false],
    ["Carne moída 42,90/kg", "Carne moída", 4290, "kg", true],
    ["Ovos 15 a dúzia", "Ovos", 1500, "dz", true]
  ] as const)("reads %j", (text, name, price, unit, unitGiven) => {
    const read = PriceTableParser.parseItem(text)
    assert.isTrue(Result.isSuccess(read))
    if (Result.isSuccess(read)) {
      assert.deepStrictEqual([read.success.item.name, read.success.item.price, read.success.item.unit, read.success.unitGiven], [
        name,
        price,
        unit,
        unitGiven
      ])
    }
  })

  it.each([
    ["coca dez reais", "MissingPrice"],
    ["coca 9,999", "InvalidPrice"],
    ["= 9,50", "MissingName"],
    ["coca 9,50 / garrafa", "UnknownUnit"]
  ] as const)("refuses %j (%s)", (text, reason) => {
    const read = PriceTableParser.parseItem(text)
    assert.strictEqual(Result.isFailure(read) ? read.failure.reason : "read", reason)
  })
})

/** Names and aliases built from pieces that test the CSV: separators, quotes, accents, numbers with commas. */
const Piece = Schema.Literals(["Coca", "pão", "ção", "2L", "1,5kg", "x", "-", "(lata)", "*", "R$", "\"caseiro\"", "a;b", "=", "Ü"])
const Words = Schema.Array(Piece).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(4)))
const Row = Schema.Struct({
  name: Words,
  aliases: Schema.Array(Schema.Literals(["coca", "pdq", "refri 2l", "água"])).pipe(Schema.check(Schema.isMaxLength(3))),
  unit: Unit,
  price: Centavos.pipe(Schema.check(Schema.isLessThanOrEqualTo(Money.maximum)))
})

describe("the table as a CSV the seller can edit and send back", () => {
  it("writes pt-BR prices, the header the parser reads, quotes where needed, and a byte-order mark", () => {
    const csv = PriceTableParser.toCsv([...table, item("Pão \"caseiro\"; grande", 123456, "un", ["pc", "caseiro"])])
    assert.isTrue(csv.startsWith("\uFEFFnome;preco;unidade;apelidos\r\n"))
    assert.include(csv, "Coca-Cola 2L;9,50;un;coca\r\n")
    assert.include(csv, "Carne moída;39,90;kg;\r\n")
    assert.include(csv, "\"Pão \"\"caseiro\"\"; grande\";1234,56;un;pc, caseiro\r\n")
  })

  it.prop("reads back to the same items", [Schema.Array(Row)], ([rows]) => {
    const seen = new Set<string>()
    const items = rows.flatMap(({ aliases, name, price, unit }) => {
      const full = name.join(" ")
      if (seen.has(nameKey(full))) return []
      seen.add(nameKey(full))
      return [new PriceItem({ name: full, aliases: [...new Set(aliases)], unit, price })]
    })
    const read = PriceTableParser.parse(PriceTableParser.toCsv(items))
    assert.deepStrictEqual(read.errors, [])
    assert.deepStrictEqual(read.items.map((entry) => ({ ...entry })), items.map((entry) => ({ ...entry })))
  })
})
