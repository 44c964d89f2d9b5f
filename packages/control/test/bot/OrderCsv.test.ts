import { assert, describe, it } from "@effect/vitest"
import * as Quantity from "@vigia/domain/Quantity"
import { quantityCell, toCsv } from "../../src/bot/OrderCsv.ts"
import { pastOrder, vizinhos } from "../support/PastOrders.ts"

describe("/exportar's CSV", () => {
  it("one row per item line, semicolons and decimal commas, the order's date, group, customer and total on each", () => {
    const first = pastOrder("2x coca 2l, 3 pão de queijo, 2 pizza", { orderedAt: new Date("2026-11-30T03:05:00Z") })
    const second = pastOrder("1,5 kg carne moída", {
      chatId: vizinhos,
      groupTitle: "Vizinhos; \"do prédio\"",
      customerName: "Dona Maria",
      reportState: "undelivered",
      orderedAt: new Date("2026-12-01T02:59:00Z")
    })
    const csv = toCsv([first, second], "America/Sao_Paulo")

    assert.isTrue(csv.startsWith("\uFEFF"))
    const rows = csv.slice(1).split("\r\n")
    assert.strictEqual(rows.pop(), "", "every row ends with CRLF")
    const link = `https://t.me/c/2001009001/${first.messageId / 2 ** 20}`
    assert.deepStrictEqual(rows, [
      "data;hora;grupo;cliente;item;quantidade;unidade;preço unitário;total da linha;total do pedido;situação;link",
      `30/11/2026;00:05;Feira de Sábado;Carlos Cliente;Coca-Cola 2L;2;un;9,50;19,00;22,60;entregue;${link}`,
      `30/11/2026;00:05;Feira de Sábado;Carlos Cliente;Pão de queijo;3;un;1,20;3,60;22,60;entregue;${link}`,
      `30/11/2026;00:05;Feira de Sábado;Carlos Cliente;2 pizza;2;;;;22,60;entregue;${link}`,
      "30/11/2026;23:59;\"Vizinhos; \"\"do prédio\"\"\";Dona Maria;Carne moída;1,5;kg;39,90;59,85;59,85;não entregue;"
    ])
  })

  it("a quantity no decimal writes exactly is rounded to three places", () => {
    assert.strictEqual(quantityCell(Quantity.make(5, 12)!), "0,417")
    assert.strictEqual(quantityCell(Quantity.make(1, 4)!), "0,25")
    assert.strictEqual(quantityCell(Quantity.make(12, 1)!), "12")
  })
})
