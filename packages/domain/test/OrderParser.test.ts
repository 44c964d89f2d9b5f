import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as OrderParser from "../src/OrderParser.ts"
import * as Quantity from "../src/Quantity.ts"

/** `[quantity, unit or "-", product]`, with `?` after the quantity when none was typed. */
const read = (message: string) =>
  OrderParser.parse(message).map((line) =>
    `${Quantity.format(line.quantity)}${line.quantityGiven ? "" : "?"} ${line.unit ?? "-"} ${line.product}`
  )

/** Pieces of real group messages, for generated messages. */
const Piece = Schema.Literals([
  "2", "1,5", "0", "x", "2x", "x3", "kg", "g", "500g", "un", "dz", "meia", "uma", "dúzia", "de", "coca", "cocas",
  "pão", "pães de queijo", "e", ",", ";", "\n", ".", "!", "?", "R$", "9,50", "bom dia", "por favor", "🥤", "😂",
  "kkkk", "-", "(", ")", "*", "  ", "1.000", "99999999", "minutos", "ovos", "a", "o"
])

describe("OrderParser", () => {
  it.each([
    ["2x coca", ["2 - coca"]],
    ["2 x coca", ["2 - coca"]],
    ["coca x2", ["2 - coca"]],
    ["coca 2x", ["2 - coca"]],
    ["2 cocas", ["2 - cocas"]],
    ["2un coca", ["2 un coca"]],
    ["2 unidades de coca", ["2 un coca"]],
    ["1,5kg de carne", ["1,5 kg carne"]],
    ["1.5 kg carne", ["1,5 kg carne"]],
    ["500g de queijo", ["500 g queijo"]],
    ["meio quilo de picanha", ["0,5 kg picanha"]],
    ["meia dúzia de ovos", ["0,5 dz ovos"]],
    ["uma dúzia de ovos", ["1 dz ovos"]],
    ["duas dúzias de ovos", ["2 dz ovos"]],
    ["dúzia de ovos", ["1 dz ovos"]],
    ["uma coca", ["1 - coca"]],
    ["três pães; dois pastéis", ["3 - pães", "2 - pastéis"]],
    ["dez coxinhas", ["10 - coxinhas"]],
    ["carne moída 1,5kg", ["1,5 kg carne moída"]],
    ["coca 2l", ["2 l coca"]],
    ["2 coca 2L", ["2 - coca 2L"]],
    ["2 caixas de bombom", ["2 cx bombom"]],
    ["1 pct de biscoito", ["1 pct biscoito"]]
  ])("%j", (message, lines) => {
    assert.deepStrictEqual(read(message), lines)
  })

  it.each([
    ["2x coca, 1,5kg de carne e meia dúzia de ovos", ["2 - coca", "1,5 kg carne", "0,5 dz ovos"]],
    ["2 cocas e 3 pães de queijo", ["2 - cocas", "3 - pães de queijo"]],
    ["2 cocas\n1 pão de queijo\n", ["2 - cocas", "1 - pão de queijo"]],
    ["1 romeu e julieta", ["1 - romeu e julieta"]],
    ["Bom dia! Quero 2 cocas 2L e um pão de queijo por favor 🙏", ["2 - cocas 2L", "1 - pão de queijo"]],
    ["Oi, me vê 3 coxinhas e uma coca por favor", ["3 - coxinhas", "1 - coca"]],
    ["boa tarde\n- 2 x-burguer\n- 1 batata frita\nobrigada!", ["2 - x-burguer", "1 - batata frita"]],
    ["2 cocas\npão de queijo\nbrigadeiro", ["2 - cocas", "1? - pão de queijo", "1? - brigadeiro"]],
    ["kkkkk 2 pastéis", ["2 - pastéis"]],
    ["Meu pedido: 2 coca. 1 guaraná", ["2 - coca", "1 - guaraná"]],
    ["2 cocas 🥤🥤", ["2 - cocas"]],
    ["*2 cocas*", ["2 - cocas"]]
  ])("order message %j", (message, lines) => {
    assert.deepStrictEqual(read(message), lines)
  })

  it.each([
    "bom dia pessoal!",
    "alguém sabe o horário?",
    "obrigado!!",
    "Boa noite, tudo bem?",
    "chego em 5 minutos",
    "10 minutos",
    "moro a 2 km daí",
    "kkkkkkkk",
    "😂😂😂",
    "👍",
    "",
    "   \n\n ",
    "pix: 11987654321",
    "0 coca",
    "R$ 9,50",
    "vocês entregam hoje?",
    "2",
    "ok, valeu"
  ])("chatter %j has no lines", (message) => {
    assert.deepStrictEqual(read(message), [])
  })

  it.each([
    ["1/2 kg de presunto", ["0,5 kg presunto"]],
    ["½ kg de queijo", ["0,5 kg queijo"]],
    ["1/4 de mortadela", ["0,25 - mortadela"]],
    ["1 e 1/2 kg de linguiça", ["1,5 kg linguiça"]],
    ["1 e meio kg de carne", ["1,5 kg carne"]],
    ["1kg e meio de frango", ["1,5 kg frango"]],
    ["um quilo e meio de carne", ["1,5 kg carne"]],
    ["uma dúzia e meia de ovos", ["1,5 dz ovos"]],
    ["2 litros de leite", ["2 l leite"]],
    ["3 lt de leite", ["3 l leite"]],
    ["2 kilos de batata", ["2 kg batata"]],
    ["500 gramas de presunto", ["500 g presunto"]],
    ["1 dusia de ovos", ["1 dz ovos"]],
    ["2 caixinhas de leite", ["2 cx leite"]],
    ["2 und pão de forma", ["2 un pão de forma"]],
    ["quinze pães", ["15 - pães"]],
    ["vinte pão de queijo", ["20 - pão de queijo"]],
    ["2️⃣ coca lata", ["2 - coca lata"]]
  ])("amount %j", (message, lines) => {
    assert.deepStrictEqual(read(message), lines)
  })

  it.each([
    ["1 coca e meia dúzia de ovos", ["1 - coca", "0,5 dz ovos"]],
    ["1 coca e 1/2 kg de mussarela", ["1 - coca", "0,5 kg mussarela"]],
    ["2 pastel de carne e 1 de queijo", ["2 - pastel de carne", "1 - pastel de queijo"]],
    ["1 kg de cebola e 1 de batata", ["1 kg cebola", "1 kg batata"]],
    ["2 águas com gás e 2 sem gás", ["2 - águas com gás", "2 - águas sem gás"]],
    ["200 de presunto e 200 de mussarela", ["200 - presunto", "200 - mussarela"]],
    ["10 pão francês pras 7h amanhã", ["10 - pão francês"]],
    ["2 coca pro apto 45", ["2 - coca"]],
    ["2 coca 1 guaraná 3 coxinha", ["2 - coca", "1 - guaraná", "3 - coxinha"]],
    ["3 coxinha + 2 coca lata", ["3 - coxinha", "2 - coca lata"]],
    ["2 coca / 1 guaraná", ["2 - coca", "1 - guaraná"]],
    ["1) 2 coca lata\n2) 1 coxinha", ["2 - coca lata", "1 - coxinha"]],
    ["me vê 2 coca?", ["2 - coca"]],
    ["pode separar 1kg de tomate pra mim?", ["1 kg tomate"]],
    ["tem como separar 2 pacotes de café?", ["2 pct café"]],
    ["2kg de batata e 1kg de cebola, pode ser?", ["2 kg batata", "1 kg cebola"]]
  ])("lines of %j", (message, lines) => {
    assert.deepStrictEqual(read(message), lines)
  })

  it.each([
    ["me chama no zap 11 98765-4321", "Phone"],
    ["(21) 99876-5432", "Phone"],
    ["pix enviado, 25,00", "Money"],
    ["R$ 30 em dinheiro", "Money"],
    ["troco pra 50", "Money"],
    ["3 pães de queijo por 5 reais", "Money"],
    ["chego em 10 minutos", "Time"],
    ["15h", "Time"],
    ["às 8 tô aí", "Time"],
    ["Reunião dia 15", "DateOrScore"],
    ["10/10 o atendimento", "DateOrScore"],
    ["Rua das Flores 123", "Address"],
    ["apto 45", "Address"],
    ["o 302 fez barulho", "Address"],
    ["CEP 04567-000", "Address"],
    ["Pedido 1234 ainda não chegou", "Label"],
    ["elevador 2 parado", "Label"],
    ["2 dias sem água", "NotAProduct"],
    ["tem coca gelada?", "Question"],
    ["quanto tá o quilo do tomate", "Question"],
    ["Tem 2 coxinhas ainda?", "Question"],
    ["meia dúzia de ovo dá quanto?", "Question"],
    ["bom dia vizinhos 🙏", "Courtesy"]
  ])("%j is chatter: %s", (message, reason) => {
    const reasons = OrderParser.segments(message).map(({ reading }) => reading._tag === "Chatter" ? reading.reason : "Line")
    assert.include(reasons, reason)
    assert.deepStrictEqual(read(message), [])
  })

  it("keeps the text as typed, trimmed", () => {
    const [line] = OrderParser.parse("  2x Coca-Cola 2L  \n")
    assert.strictEqual(line?.text, "2x Coca-Cola 2L")
    assert.strictEqual(line?.product, "Coca-Cola 2L")
  })

  it.prop("never throws on any string", [Schema.String], ([message]) => {
    OrderParser.parse(message)
  })

  it.prop(
    "on messages made of order pieces, never throws and every line has a positive quantity and a product",
    [Schema.Array(Piece)],
    ([pieces]) => {
      for (const separator of [" ", ""]) {
        for (const line of OrderParser.parse(pieces.join(separator))) {
          assert.isAbove(line.quantity.numerator, 0)
          assert.isAbove(line.quantity.denominator, 0)
          assert.isNotEmpty(line.product.trim())
        }
      }
    }
  )
})
