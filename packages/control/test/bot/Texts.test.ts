import { assert, describe, it } from "@effect/vitest"
import { limitsOf } from "@vigia/domain/Plan"
import { changes, PriceItem } from "@vigia/domain/PriceTable"
import { Option, Schema } from "effect"
import { listingMessages } from "../../src/bot/features/PriceTable.ts"
import * as FailureTexts from "../../src/bot/FailureTexts.ts"
import * as LoginTexts from "../../src/bot/LoginTexts.ts"
import * as PaymentTexts from "../../src/bot/PaymentTexts.ts"
import { PlanForbids } from "../../src/bot/SubscriptionGuard.ts"
import * as TableTexts from "../../src/bot/TableTexts.ts"
import * as Texts from "../../src/bot/Texts.ts"

const item = Schema.decodeSync(PriceItem)
const longTable = Array.from({ length: 500 }, (_, n) =>
  item({ name: `Produto de nome bem comprido número ${n} com variações`, aliases: ["apelido um", "apelido dois"], unit: "un", price: 100 + n }))

describe("what the bot says, in Portuguese that agrees", () => {
  it.each([
    [1, "esperar 1 segundo."],
    [60, "esperar 1 minuto."],
    [61, "esperar 2 minutos."],
    [3600, "esperar 1 hora."],
    [7200, "esperar 2 horas."]
  ] as const)("a flood wait of %i seconds is “%s”", (seconds, text) => {
    assert.include(FailureTexts.tooManyAttempts(seconds), text)
  })

  it("counts days, digits and lines in agreement", () => {
    assert.strictEqual(Texts.adminPlanGranted(42, "basic", 1), "Plano Básico concedido a 42 por 1 dia.")
    assert.include(LoginTexts.askCode(1, "por SMS"), "código de 1 dígito por SMS")
    assert.include(FailureTexts.tableRejectedLines([{ line: 2, text: "x", reason: "MissingPrice" }]), "1 linha ignorada")
  })

  it("says what the Basic plan activates without saying “active” twice", () => {
    const text = FailureTexts.guardRefused(new PlanForbids({ command: "login", plan: "free", lapsedPlan: null }))
    assert.include(text, "ativa até 5 grupos e usa respostas automáticas")
    assert.notInclude(text, "grupos ativos ativ")
    assert.notInclude(text, "ativa até 5 grupos ativos")
    assert.include(text, "/plano")
  })

  it("describes the free plan by what it is for, never by what it cannot use", () => {
    const text = Texts.planSummary("free", limitsOf.free, null)
    assert.include(text, "Seu plano: Gratuito")
    assert.notInclude(text, "1 grupo ativo")
    assert.notInclude(text, "conectar conta do Telegram: não")
    assert.include(text, "Básico: conecta sua conta do Telegram, vigia até 5 grupos")
    const basic = Texts.planSummary("basic", limitsOf.basic, new Date("2026-12-31T12:00:00Z"))
    assert.include(basic, "• até 5 grupos ativos")
    assert.include(basic, "Válido até 31/12/2026.")
  })

  it("names the support contact where there is one, and nowhere says to contact a support it cannot name", () => {
    assert.include(Texts.help(42, false, Option.some("@suporte")), "Suporte: @suporte")
    assert.notInclude(Texts.help(42, false, Option.none()), "Suporte")
    for (const text of [Texts.planSummary("free", limitsOf.free, null), Texts.planExpiring("basic", new Date()), Texts.welcome("Ana")]) {
      assert.notInclude(text, "Fale com o suporte")
    }
  })

  it("lists commands Telegram accepts in its menu, and /ajuda lists each of them", () => {
    const help = Texts.help(42, true, Option.none())
    for (const { command, description } of [...Texts.commandList, ...Texts.adminCommandList]) {
      assert.match(command, /^[a-z0-9_]{1,32}$/)
      assert.isAtMost(description.length, 256)
      assert.include(help, `/${command}`)
    }
    assert.notInclude(Texts.help(42, false, Option.none()), "/admin_")
    assert.include(help, "Seu id no Telegram: 42")
  })
})

describe("long answers stay under Telegram's 4,096 characters", () => {
  it("a table of 500 products is listed in at most three messages, pointing to the CSV for the rest", () => {
    const messages = listingMessages(longTable)
    assert.isAtMost(messages.length, 3)
    for (const message of messages) assert.isBelow(message.length, 4096)
    const listed = messages.join("\n").split("\n").filter((line) => line.startsWith("• ")).length
    assert.include(messages.at(-1) ?? "", `… e mais ${500 - listed} produtos. Use /tabela csv`)
    assert.include(messages.at(-1) ?? "", "/desfazer")
  })

  it("a preview of a whole new table names at most ten products per kind of change", () => {
    const next = longTable.slice(200).map((entry) => item({ ...entry, price: entry.price + 1 }))
    const text = TableTexts.replacePreview(changes(longTable, next), next.length, 20)
    assert.isBelow(text.length, 4096)
    assert.include(text, "➖ 200 removidos:")
    assert.include(text, "✏️ 300 mudaram:")
    assert.include(text, "… e mais 290")
  })

  it("invoices fit Telegram's limits on titles and descriptions", () => {
    for (const plan of ["basic", "premium"] as const) {
      assert.isAtMost(PaymentTexts.invoiceTitle(plan).length, 32)
      assert.isAtMost(PaymentTexts.invoiceDescription(plan).length, 255)
    }
    for (const text of Object.values(PaymentTexts.preCheckoutRefused)) assert.isAtMost(text.length, 255)
  })
})
