import { assert, describe, it } from "@effect/vitest"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { compose, maxLength } from "../../src/bot/ReportMessages.ts"
import type { OrderReport } from "../../src/delivery/OrderReports.ts"

const matcher = ProductMatcher.make(PriceTableParser.parse("Coca-Cola 2L = 9,50\nPão de queijo = 1,20").items)

const report = (orderId: number, text: string, overrides: Partial<OrderReport> = {}): OrderReport => ({
  orderId,
  revision: 0,
  groupTitle: "Feira de Sábado",
  customerName: "Carlos Cliente",
  link: `https://t.me/c/2001001001/${orderId}`,
  quote: Quote.fromMessage(matcher, text),
  reply: "none",
  ...overrides
})

describe("compose", () => {
  it("puts the reports waiting for one seller in one message, in order", () => {
    const messages = compose([report(1, "2x coca 2l"), report(2, "3 pão de queijo"), report(3, "1 coca 2l")])

    assert.lengthOf(messages, 1)
    const [message] = messages
    assert.deepStrictEqual(message?.reports.map((held) => held.orderId), [1, 2, 3])
    assert.isTrue(message?.last)
    const links = [...(message?.text ?? "").matchAll(/https:\/\/t\.me\/c\/\d+\/(\d+)/g)].map((found) => found[1])
    assert.deepStrictEqual(links, ["1", "2", "3"])
  })

  it("starts a new message when the next report would pass 4,096 characters", () => {
    const many = Array.from({ length: 60 }, (_, index) => report(index + 1, `${index + 1} coca 2l\n${index + 2} pão de queijo`))
    const messages = compose(many)

    assert.isAbove(messages.length, 1)
    for (const message of messages) assert.isAtMost(message.text.length, maxLength)
    assert.deepStrictEqual(messages.flatMap((message) => message.reports.map((held) => held.orderId)), many.map((held) => held.orderId))
  })

  it("sends a report longer than a message in numbered parts, split between lines, the order complete with its last", () => {
    const long = report(9, Array.from({ length: 250 }, (_, index) => `${index + 1} coca 2l`).join("\n"))
    const messages = compose([report(8, "1 coca 2l"), long])

    const parts = messages.filter((message) => message.reports[0]?.orderId === 9)
    assert.isAbove(parts.length, 2)
    parts.forEach((part, index) => {
      assert.isAtMost(part.text.length, maxLength)
      assert.isTrue(part.text.startsWith(`🛒 Pedido em Feira de Sábado (parte ${index + 1} de ${parts.length})\n`))
      assert.strictEqual(part.last, index === parts.length - 1)
    })
    const lines = parts.flatMap((part) => part.text.split("\n")).filter((line) => line.includes("× Coca-Cola 2L"))
    assert.lengthOf(lines, 250)
    assert.include(parts.at(-1)?.text ?? "", "https://t.me/c/2001001001/9")
  })

  it("says an edited order is edited, and where its group reply stands", () => {
    const [message] = compose([
      report(1, "3x coca 2l", { revision: 1 }),
      report(2, "2x coca 2l", { reply: "sent" }),
      report(3, "2x coca 2l", { reply: "pending" }),
      report(4, "2x coca 2l", { reply: "failed" })
    ])
    const text = message?.text ?? ""
    assert.isTrue(text.startsWith("✏️ Pedido editado em Feira de Sábado\n"))
    assert.include(text, "🤖 Orçamento respondido no grupo.")
    assert.include(text, "assim que o Telegram permitir")
    assert.include(text, "Não consegui responder o orçamento no grupo.")
  })
})
