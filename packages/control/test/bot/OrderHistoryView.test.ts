import { assert, describe, it } from "@effect/vitest"
import * as Quote from "@vigia/domain/Quote"
import type { InlineKeyboardButton } from "grammy/types"
import { callbackData, type HistoryView, render, viewOf } from "../../src/bot/OrderHistoryView.ts"
import { feira, pastOrder, vizinhos } from "../support/PastOrders.ts"

const clock = { today: "2026-11-30", timeZone: "America/Sao_Paulo" }
const all = (day = "2026-11-30", page = 0): HistoryView => ({ day, group: null, page })

const buttons = (keyboard: ReadonlyArray<ReadonlyArray<InlineKeyboardButton>>) =>
  keyboard.flat().map((button) => [button.text, "callback_data" in button ? button.callback_data : ""])

describe("/pedidos", () => {
  it("a day: totals per day and per group at the top, then each order with its time, items, total and link", () => {
    const first = pastOrder("2x coca 2l, 3 pão de queijo", { orderedAt: new Date("2026-11-30T03:05:00Z") })
    const second = pastOrder("1 pastel de carne", { chatId: vizinhos, groupTitle: "Vizinhos", customerName: "Dona Maria", reportState: "undelivered" })
    const { keyboard, text } = render([first, second], all(), clock)

    assert.strictEqual(
      text.split("\n\n")[0],
      [
        "📦 Pedidos de 30/11/2026 (hoje)",
        "2 pedidos · R$ 29,60",
        "Por grupo:",
        "• Feira de Sábado: 1 pedido · R$ 22,60",
        "• Vizinhos: 1 pedido · R$ 7,00",
        "⚠️ 1 pedido não entregue na hora (o bot estava bloqueado)"
      ].join("\n")
    )
    assert.include(
      text,
      [
        "🕑 00:05 · Feira de Sábado · Carlos Cliente",
        "• 2 un × Coca-Cola 2L = R$ 19,00",
        "• 3 un × Pão de queijo = R$ 3,60",
        "Total: R$ 22,60",
        `🔗 https://t.me/c/2001009001/${first.messageId / 2 ** 20}`
      ].join("\n")
    )
    // A basic group has no link to its messages.
    assert.include(text, "🕑 14:05 · Vizinhos · Dona Maria ⚠️ não entregue\n• 1 un × Pastel de carne = R$ 7,00\nTotal: R$ 7,00")
    assert.notInclude(text, "🔗 https://t.me/c/4001")
    assert.deepStrictEqual(buttons(keyboard), [
      ["◀️ 29/11", "pd:20261129:*:0"],
      ["👥 Feira de Sábado (1)", `pd:20261130:${feira}:0`],
      ["👥 Vizinhos (1)", `pd:20261130:${vizinhos}:0`]
    ])
  })

  it("one group: its orders and totals only, the days around it for the same group, and back to every group", () => {
    const orders = [pastOrder("2x coca 2l"), pastOrder("1 pastel de carne", { chatId: vizinhos, groupTitle: "Vizinhos" })]
    const { keyboard, text } = render(orders, { day: "2026-11-29", group: vizinhos, page: 0 }, clock)
    assert.isTrue(text.startsWith("📦 Pedidos de 29/11/2026 (ontem) — Vizinhos\n1 pedido · R$ 7,00\n\n"))
    assert.notInclude(text, "Coca-Cola")
    assert.deepStrictEqual(buttons(keyboard), [
      ["◀️ 28/11", `pd:20261128:${vizinhos}:0`],
      ["30/11 ▶️", `pd:20261130:${vizinhos}:0`],
      ["🔙 Todos os grupos", "pd:20261129:*:0"]
    ])
  })

  it("an empty day says so, with the day buttons still there", () => {
    const empty = render([], all("2026-11-20"), clock)
    assert.strictEqual(empty.text, "📦 Nenhum pedido em 20/11/2026.")
    assert.deepStrictEqual(buttons(empty.keyboard).map(([, data]) => data), ["pd:20261119:*:0", "pd:20261121:*:0"])
    const emptyGroup = render([pastOrder("2x coca 2l")], { day: "2026-11-30", group: vizinhos, page: 0 }, clock)
    assert.strictEqual(emptyGroup.text, "📦 Nenhum pedido deste grupo em 30/11/2026 (hoje).")
    assert.include(buttons(emptyGroup.keyboard).map(([text]) => text), "🔙 Todos os grupos")
  })

  it("a busy day in pages under 4,096 characters: every order once, in order, with buttons between the pages", () => {
    const orders = Array.from({ length: 120 }, (_, index) => pastOrder(`${index + 1} coca 2l, 2 pão de queijo, 1 pastel de carne`))
    const pages: Array<string> = []
    let view: HistoryView | undefined = all()
    while (view !== undefined) {
      const { keyboard, text } = render(orders, view, clock)
      pages.push(text)
      assert.isAtMost(text.length, 4096)
      const next = buttons(keyboard).find(([label]) => label === "Próxima página ➡️")
      view = next === undefined ? undefined : viewOf(String(next[1]))
    }
    assert.isAbove(pages.length, 2)
    pages.forEach((page, index) => assert.include(page, `Página ${index + 1} de ${pages.length}`))
    const totals = pages.flatMap((page) => page.split("\n").filter((line) => line.startsWith("Total: ")))
    assert.deepStrictEqual(totals, orders.map((order) => Quote.text(order.quote).split("\n").find((line) => line.startsWith("Total: "))))
    const last = render(orders, all("2026-11-30", 999), clock)
    assert.strictEqual(last.text, pages.at(-1), "a page past the end shows the last")
    assert.deepStrictEqual(buttons(last.keyboard)[0], ["⬅️ Página anterior", `pd:20261130:*:${pages.length - 2}`])
  })

  it("stays under Telegram's limits with the longest names, many groups and an order of 250 items", () => {
    const long = "N".repeat(128)
    const orders = [
      pastOrder(Array.from({ length: 250 }, (_, index) => `${index + 1} coca 2l`).join("\n"), { customerName: long, groupTitle: long }),
      ...Array.from({ length: 15 }, (_, index) => pastOrder("1 coca 2l", { chatId: feira - index - 1, groupTitle: `${long}${index}` }))
    ]
    const { keyboard, text } = render(orders, all(), clock)
    assert.isAtMost(text.length, 4096)
    assert.include(text, "… e mais 240 itens")
    assert.include(text, "… e mais 6 grupos")
    for (const [label, data] of buttons(keyboard)) {
      assert.isAtMost(Buffer.byteLength(String(data)), 64)
      assert.isAtMost(String(label).length, 64)
    }
  })

  it("callback data fits Telegram's 64 bytes and reads back; anything else names no view", () => {
    const widest: HistoryView = { day: "2026-11-30", group: -1009999999999999, page: 9999 }
    assert.isAtMost(Buffer.byteLength(callbackData(widest)), 64)
    assert.deepStrictEqual(viewOf(callbackData(widest)), widest)
    assert.deepStrictEqual(viewOf(callbackData(all())), all())
    for (const data of ["pd:", "pd:20261131:*:0", "pd:20261130:x:0", "pd:20261130:*:-1", "pd:20261130:*:0:1", "pt:ok:1"]) {
      assert.isUndefined(viewOf(data), data)
    }
  })
})
