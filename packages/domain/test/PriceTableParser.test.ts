import { assert, describe, it } from "@effect/vitest"
import type { PriceItem } from "../src/PriceTable.ts"
import * as PriceTableParser from "../src/PriceTableParser.ts"

const plain = ({ aliases, name, price, unit }: PriceItem) => ({ name, aliases, unit, price: Number(price) })
const itemsOf = (text: string) => PriceTableParser.parse(text).items.map(plain)

describe("PriceTableParser", () => {
  it.each([
    ["Coca-Cola 2L = 9,50", { name: "Coca-Cola 2L", aliases: [], unit: "un", price: 950 }],
    [
      "Pão de queijo (pão de queijo, pdq) - R$ 1,20 / un",
      { name: "Pão de queijo", aliases: ["pão de queijo", "pdq"], unit: "un", price: 120 }
    ],
    ["Arroz 5kg: 27.90", { name: "Arroz 5kg", aliases: [], unit: "un", price: 2790 }],
    ["Queijo minas = R$ 1.234,50/kg", { name: "Queijo minas", aliases: [], unit: "kg", price: 123450 }],
    ["- Carne moída: R$ 39,90 o kg", { name: "Carne moída", aliases: [], unit: "kg", price: 3990 }],
    ["• Ovos caipira 15,00 a dúzia", { name: "Ovos caipira", aliases: [], unit: "dz", price: 1500 }],
    ["Água 500ml 2,50", { name: "Água 500ml", aliases: [], unit: "un", price: 250 }],
    ["Bolo de pote: 12 cada", { name: "Bolo de pote", aliases: [], unit: "un", price: 1200 }],
    ["Leite = 5,49 por litro", { name: "Leite", aliases: [], unit: "l", price: 549 }],
    ["Biscoito (bolacha / biscoitinho) = 4,00 / pct.", {
      name: "Biscoito",
      aliases: ["bolacha", "biscoitinho"],
      unit: "pct",
      price: 400
    }],
    ["*Brigadeiro* = 2", { name: "Brigadeiro", aliases: [], unit: "un", price: 200 }]
  ] as const)("reads %j", (line, item) => {
    assert.deepStrictEqual(itemsOf(line), [item])
  })

  it("keeps good lines and reports bad ones with their line numbers and reasons", () => {
    const table = PriceTableParser.parse([
      "Coca-Cola 2L = 9,50",
      "",
      "*Bebidas*",
      "Suco = ",
      "= 5,00",
      "Cerveja = 5,00 / garrafa",
      "Vinho = 9,999",
      "coca-cola 2L = 10,00",
      "Guaraná 2L = 8,00"
    ].join("\n"))
    assert.deepStrictEqual(table.items.map((item) => item.name), ["Coca-Cola 2L", "Guaraná 2L"])
    assert.deepStrictEqual(
      table.errors.map((error) => [error.line, error.reason]),
      [[3, "MissingPrice"], [4, "MissingPrice"], [5, "MissingName"], [6, "UnknownUnit"], [7, "InvalidPrice"], [
        8,
        "DuplicateProduct"
      ]]
    )
    assert.strictEqual(table.errors[0]?.text, "*Bebidas*")
    assert.include(table.errors[3]?.message ?? "", "garrafa")
    assert.include(table.errors[5]?.message ?? "", "linha 1")
  })

  it("reads semicolon CSV with the seed's header, any column order, and reports bad rows", () => {
    const table = PriceTableParser.parse([
      "nome;preco;unidade;apelidos",
      "Coca-Cola 2L;9,50;un;coca, coca 2l",
      "Carne moída;R$ 39,90;kg;",
      "Ovos;12;dúzia;ovo",
      "Sem preço;;un;",
      "Pão;0,80;saco;"
    ].join("\r\n"))
    assert.deepStrictEqual(table.items.map(plain), [
      { name: "Coca-Cola 2L", aliases: ["coca", "coca 2l"], unit: "un", price: 950 },
      { name: "Carne moída", aliases: [], unit: "kg", price: 3990 },
      { name: "Ovos", aliases: ["ovo"], unit: "dz", price: 1200 }
    ])
    assert.deepStrictEqual(table.errors.map((error) => [error.line, error.reason]), [[5, "MissingPrice"], [
      6,
      "UnknownUnit"
    ]])
  })

  it("reads comma CSV with a header, quoted decimal commas and columns in another order", () => {
    const table = PriceTableParser.parse([
      "Produto,Unidade,Preço",
      "\"Coca-Cola 2L\",un,\"9,50\"",
      "Picanha,kg,89.90",
      "\"Pão \"\"caseiro\"\"\",un,7"
    ].join("\n"))
    assert.deepStrictEqual(table.items.map(({ name, unit, price }) => [name, unit, Number(price)]), [
      ["Coca-Cola 2L", "un", 950],
      ["Picanha", "kg", 8990],
      ["Pão \"caseiro\"", "un", 700]
    ])
    assert.isEmpty(table.errors)
  })

  it("an empty text is an empty table", () => {
    const table = PriceTableParser.parse("\n  \n")
    assert.isEmpty(table.items)
    assert.isEmpty(table.errors)
  })
})
