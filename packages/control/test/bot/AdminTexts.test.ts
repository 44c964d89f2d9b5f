import { assert, describe, it } from "@effect/vitest"
import * as Texts from "../../src/bot/Texts.ts"

describe("the administrators' texts", () => {
  it("/admin_reprocessar answers how many updates went back, from how many accounts, and which could not be read", () => {
    assert.strictEqual(Texts.adminRedriven(0, 0, 0), "Nenhuma atualização parada para reprocessar.")
    assert.strictEqual(Texts.adminRedriven(1, 1, 0), "1 atualização parada voltou para a fila (1 conta).")
    assert.strictEqual(
      Texts.adminRedriven(7, 3, 2),
      "7 atualizações paradas voltaram para a fila (3 contas).\n" +
        "⚠️ As filas de 2 contas não puderam ser lidas agora (Redis indisponível). Tente de novo em instantes."
    )
    assert.include(Texts.adminRedriven(0, 0, 1), "A fila de 1 conta não pôde ser lida agora")
  })
})
