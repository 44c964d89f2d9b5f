import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { exchange, includes } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// The first run as an operator sets it up: new sellers start on the plan the operator chose, the bot names the
// support contact, says what it is for when spoken to, and counts in Portuguese.
const admin: FakeUser = { id: 9_900_000_001, first_name: "Admin" }
const karla: FakeUser = { id: 9_900_000_002, first_name: "Karla" }

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty)

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the first run", (it) => {
  it.effect("refuses a default plan or a price that is not one, naming the variable", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const { code, output } = yield* ControlProcess.refused(
        ControlProcess.singleProcessEnvironment(api, dataFolder, { DEFAULT_PLAN: "gold", PLAN_PRICE_PREMIUM_STARS: "-5" })
      )
      assert.strictEqual(code, 1, output)
      assert.include(output, "invalid configuration: DEFAULT_PLAN: must be free, basic or premium")
      assert.include(output, "invalid configuration: PLAN_PRICE_PREMIUM_STARS: must be a whole number of Telegram Stars")
    }), { timeout: 90_000 })

  it.effect("starts new sellers on DEFAULT_PLAN, names SUPPORT_CONTACT, answers chatter, agrees in number, and /status after /logout", () =>
    Effect.gen(function*() {
      yield* ControlProcess.startOverTestDatabase({
        ADMIN_TELEGRAM_IDS: String(admin.id),
        DEFAULT_PLAN: "basic",
        DEFAULT_PLAN_DAYS: "7",
        SUPPORT_CONTACT: "@suporte_vigia",
        // One wrong code is enough for Telegram's flood wait of a minute.
        FAKE_TDL_SCRIPT: JSON.stringify({ maxAttempts: 1, floodWaitSeconds: 60 })
      })
      yield* exchange(karla, "/start", includes("Eu sou o Vigia"))
      const plan = yield* exchange(karla, "/plano", includes("Seu plano: Básico"))
      const inAWeek = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000).toLocaleDateString("pt-BR", { timeZone: "America/Sao_Paulo" })
      assert.include(plan.text, `Válido até ${inAWeek}.`)
      assert.include(plan.text, "Suporte: @suporte_vigia")

      const help = yield* exchange(karla, "/ajuda", includes("Comandos do Vigia:"))
      for (const command of ["/tabela —", "/preco —", "/remover —", "/desfazer —", "/plano —"]) assert.include(help.text, command)
      assert.include(help.text, "Suporte: @suporte_vigia")
      // How the operator finds the id to put in ADMIN_TELEGRAM_IDS (the Quick start says so).
      assert.include(help.text, `Seu id no Telegram: ${karla.id}`)
      assert.notInclude(help.text, "/admin_")
      const adminHelp = yield* exchange(admin, "/ajuda", includes("Comandos do Vigia:"))
      for (const command of ["/admin_plano", "/admin_sessoes", "/admin_auditoria", "/admin_reembolso"]) assert.include(adminHelp.text, command)

      // Plain chat gets what the bot can do; an unknown command is still unknown.
      const chatter = yield* exchange(karla, "oi, tudo bem?", includes("Eu não converso por aqui"))
      assert.notInclude(chatter.text, "Não conheço esse comando")
      yield* exchange(karla, "/comando", includes("Não conheço esse comando."))

      // Connected, then logged out: /status says no account is connected, not a stopped session of a masked phone.
      yield* exchange(karla, "/login", includes("número de telefone"))
      yield* exchange(karla, "+55 21 95555-4444", includes("Digite o código"), "60 seconds")
      yield* exchange(karla, "1 2 3 4 5", includes("Seus grupos"))
      yield* exchange(karla, "/status", includes("Sessão: conectada"))
      yield* exchange(karla, "/logout", includes("desconectada"))
      const status = yield* exchange(karla, "/status", includes("Nenhuma conta do Telegram conectada"))
      assert.notInclude(status.text, "parada")
      assert.notInclude(status.text, "Conta:")

      // Telegram's flood wait of 60 seconds is one minute.
      yield* exchange(karla, "/login", includes("número de telefone"))
      yield* exchange(karla, "+55 21 95555-4444", includes("Digite o código"), "60 seconds")
      const flood = yield* exchange(karla, "5 4 3 2 1", includes("Muitas tentativas"))
      assert.include(flood.text, "esperar 1 minuto.")
    }), { timeout: 240_000 })
})
