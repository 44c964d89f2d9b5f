import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Settings } from "../../src/data/SellerSettings.ts"
import * as ErasureTexts from "../../src/bot/ErasureTexts.ts"
import * as SummaryTexts from "../../src/bot/SummaryTexts.ts"
import { coveredDay, formatTime, parseRequest, type SummaryRequest, timeZoneOf } from "../../src/bot/SummaryTimes.ts"

describe("the daily summary's times", () => {
  it("reads the hours sellers write, and the words that turn it off", () => {
    const at = (hour: number, minute = 0): SummaryRequest => ({ _tag: "At", at: { hour, minute } })
    assert.deepStrictEqual(parseRequest("20h"), at(20))
    assert.deepStrictEqual(parseRequest("20"), at(20))
    assert.deepStrictEqual(parseRequest("20:00"), at(20))
    assert.deepStrictEqual(parseRequest("20h30"), at(20, 30))
    assert.deepStrictEqual(parseRequest(" 8H "), at(8))
    assert.deepStrictEqual(parseRequest("08:05"), at(8, 5))
    assert.deepStrictEqual(parseRequest("0h"), at(0))
    assert.deepStrictEqual(parseRequest("23:59"), at(23, 59))
    assert.deepStrictEqual(parseRequest("20 hs"), at(20))
    assert.deepStrictEqual(parseRequest(""), { _tag: "Show" })
    for (const off of ["desligar", "Desligar", "off", "não", "NAO"]) assert.deepStrictEqual(parseRequest(off), { _tag: "Off" }, off)
  })

  it("refuses what is not a time of day", () => {
    for (const bad of ["25h", "24", "abc", "20:60", "20:", "h", "-1", "20h3", "2020", "20h30m", "8 da noite", "20.30"]) {
      assert.deepStrictEqual(parseRequest(bad), { _tag: "Invalid" }, bad)
    }
  })

  it("writes times as sellers read them", () => {
    assert.strictEqual(formatTime({ hour: 20, minute: 0 }), "20h")
    assert.strictEqual(formatTime({ hour: 8, minute: 5 }), "8h05")
  })

  it("an evening summary covers its own day, a morning one the day before, across months and years", () => {
    assert.strictEqual(coveredDay("2026-11-30", { hour: 20, minute: 0 }), "2026-11-30")
    assert.strictEqual(coveredDay("2026-11-30", { hour: 12, minute: 0 }), "2026-11-30")
    assert.strictEqual(coveredDay("2026-12-01", { hour: 8, minute: 0 }), "2026-11-30")
    assert.strictEqual(coveredDay("2027-01-01", { hour: 11, minute: 59 }), "2026-12-31")
    assert.strictEqual(coveredDay("2028-03-01", { hour: 7, minute: 0 }), "2028-02-29")
  })

  it("knows time zones by their IANA names, in any case, and nothing else", () => {
    assert.deepStrictEqual(timeZoneOf("America/Manaus"), Option.some("America/Manaus"))
    assert.deepStrictEqual(timeZoneOf("america/sao_paulo"), Option.some("America/Sao_Paulo"))
    assert.deepStrictEqual(timeZoneOf("UTC"), Option.some("UTC"))
    for (const bad of ["America/Atlantida", "Manaus", "GMT-3", "-03:00", "BRT", "", "America/Sao Paulo; DROP TABLE"]) {
      assert.isTrue(Option.isNone(timeZoneOf(bad)), bad)
    }
  })

})

describe("the daily summary's texts", () => {
  const settings = (summaryAt: { hour: number; minute: number } | null, summaryBlocked = false) =>
    new Settings({ timeZone: "America/Sao_Paulo", summaryAt, summaryBlocked })

  it("says whether it is on, when, for which day, and how to change it", () => {
    assert.include(SummaryTexts.summarySetting(settings(null)), "está desligado")
    assert.include(SummaryTexts.summarySetting(settings(null)), "/resumo 20h")
    assert.include(SummaryTexts.summarySetting(settings({ hour: 20, minute: 0 })), "todo dia às 20h, com os pedidos do dia")
    assert.include(SummaryTexts.summarySetting(settings({ hour: 8, minute: 30 })), "todo dia às 8h30, com os pedidos de ontem")
    assert.include(SummaryTexts.summarySetting(settings({ hour: 20, minute: 0 }, true)), "pausado")
    assert.include(SummaryTexts.summaryOn({ hour: 7, minute: 0 }, "America/Manaus"), "às 7h (America/Manaus) eu te mando os pedidos de ontem")
  })

  it("lists each group's orders and total, then the day's, naming the day", () => {
    const text = SummaryTexts.summary("2026-11-30", true, [
      { title: "Feira", orders: 3, totalCentavos: 2850 },
      { title: "Bairro", orders: 1, totalCentavos: 950 }
    ])
    assert.strictEqual(
      text,
      "📊 Resumo de hoje, 30/11 (segunda-feira)\n\n• Feira: 3 pedidos — R$ 28,50\n• Bairro: 1 pedido — R$ 9,50\n\nTotal: 4 pedidos — R$ 38,00"
    )
    assert.strictEqual(SummaryTexts.summary("2026-11-29", false, []), "📊 Resumo de ontem, 29/11 (domingo)\n\nNenhum pedido ontem.")
  })

  it("stays within one message however many groups there are", () => {
    const many = Array.from({ length: 500 }, (_, index) => ({ title: `Grupo ${"x".repeat(100)} ${index}`, orders: 1, totalCentavos: 100 }))
    const text = SummaryTexts.summary("2026-11-30", true, many)
    assert.isAtMost(text.length, 4096)
    assert.include(text, "mais 470 grupos: 470 pedidos — R$ 470,00")
    assert.include(text, "Total: 500 pedidos — R$ 500,00")
  })

  it("erasure: asks with what goes and what stays, then lists what went", () => {
    assert.include(ErasureTexts.question, "Os pagamentos feitos ficam guardados sem o seu nome")
    const done = ErasureTexts.done({
      priceItems: 3,
      priceVersions: 1,
      groups: 2,
      orders: 10,
      sessions: 1,
      conversations: 1,
      auditEntries: 7,
      paymentsAnonymised: 0
    }, 1)
    assert.include(done, "tabela de preços: 3 produtos e 1 versão anterior")
    assert.include(done, "grupos vigiados: 2")
    assert.include(done, "registro de pedidos: 10 linhas")
    assert.include(done, "(1 conta)")
  })
})
