import { assert, describe, it } from "@effect/vitest"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as FailureTexts from "../../src/bot/FailureTexts.ts"
import * as Texts from "../../src/bot/Texts.ts"

describe("what a seller reads when something fails", () => {
  it("lists each line of a price table that was not read, with its text and its reason in the bot's words", () => {
    const { errors } = PriceTableParser.parse("Coca-Cola 2L = 9,50\nlinha sem preço\nPão = 1,20 / saco\nCoca-Cola 2L = 9,00")
    assert.deepStrictEqual(errors.map((error) => [error.line, error.reason]), [
      [2, "MissingPrice"],
      [3, "UnknownUnit"],
      [4, "DuplicateProduct"]
    ])
    const text = FailureTexts.tableRejectedLines(errors)
    assert.include(text, "3 linhas ignoradas")
    assert.include(text, "linha 2 (“linha sem preço”): não encontrei o preço.")
    assert.include(text, "linha 3 (“Pão = 1,20 / saco”): não conheço a unidade.")
    for (const error of errors) assert.notInclude(text, error.message, "the parser's own message is not the seller's text")
  })

  it("says why a session did not start, by the manager's reason, and what to do", () => {
    assert.strictEqual(
      FailureTexts.startFailed("CapacityReached"),
      "❌ Não consegui iniciar sua sessão: o Vigia chegou ao limite de sessões conectadas ao mesmo tempo. Tente /login de " +
        "novo mais tarde; se precisar com urgência, fale com o suporte."
    )
    const texts = (["CapacityReached", "StartQueueTimedOut", "StartTimedOut", "WorkerDied", "RuntimeFailed"] as const)
      .map(FailureTexts.startFailed)
    assert.strictEqual(new Set(texts).size, texts.length, "each reason has its own words")
    for (const text of texts) assert.include(text, "/login", "each says what to do")
  })

  it("names the plan's limit and what upgrading gives when one more group is refused", () => {
    const text = FailureTexts.planRefused({ _tag: "GroupLimitReached", limit: 5 }, "basic", null)
    assert.include(text, "O plano Básico permite até 5 grupos ativos")
    assert.include(text, "Com o plano Premium você tem grupos ilimitados: assine em /plano.")
  })

  it("says when a seller held back by the login rate limit may try again", () => {
    const now = new Date("2026-12-01T12:00:00Z")
    const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000)
    assert.include(FailureTexts.loginRateLimited(inMinutes(23), now), "Tente /login de novo em 23 minutos.")
    assert.include(FailureTexts.loginRateLimited(inMinutes(60), now), "em 1 hora.")
    assert.include(FailureTexts.loginRateLimited(new Date(now.getTime() + 1_500), now), "em 2 segundos.")
  })

  it("explains each login step only the Telegram app completes, and how to come back", () => {
    const texts = Object.values(FailureTexts.stepInTheApp)
    assert.strictEqual(new Set(texts).size, 3)
    for (const text of texts) {
      assert.include(text, "Telegram")
      assert.include(text, "/login aqui de novo")
    }
  })

  it("refuses each kind of impossible phone number in its own words", () => {
    const texts = Object.values(FailureTexts.invalidPhone)
    assert.strictEqual(new Set(texts).size, texts.length)
  })

  it("/status never shows a session's English error, only what it means for the seller", () => {
    const session = { phone: "+55 *******5678", lastError: "the worker did not report that it started within 60 s" }
    const stopped = Texts.status({ ...session, state: "stopped" }, [])
    assert.notInclude(stopped, session.lastError)
    assert.include(stopped, "use /login para conectar de novo")
    assert.notInclude(Texts.status({ ...session, state: "authorized" }, []), "Último problema", "a past error of a session that runs again")
  })
})
