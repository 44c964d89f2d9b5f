import { assert, describe, it } from "@effect/vitest"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as FailureTexts from "../../src/bot/FailureTexts.ts"

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

  it("says why a session did not start, by the manager's reason", () => {
    assert.strictEqual(
      FailureTexts.startFailed("CapacityReached"),
      "❌ Não consegui iniciar sua sessão: o Vigia está com todas as sessões ocupadas agora. Tente /login de novo em instantes."
    )
    const texts = (["CapacityReached", "TooManyStarts", "StartTimedOut", "WorkerDied", "RuntimeFailed"] as const)
      .map(FailureTexts.startFailed)
    assert.strictEqual(new Set(texts).size, texts.length, "each reason has its own words")
  })

  it("names the plan's limit and what upgrading gives when one more group is refused", () => {
    const text = FailureTexts.planRefused({ _tag: "GroupLimitReached", limit: 5 }, "basic", null)
    assert.include(text, "O plano Básico permite até 5 grupos ativos")
    assert.include(text, "Com o plano Premium você tem grupos ilimitados: assine em /plano.")
  })
})
