import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Path from "node:path"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { customerWrites, exchange, includes, replaceTable } from "../support/SellerScript.ts"

// The README's run command on a fresh machine: only the Telegram secrets are set, so the control plane
// starts its own PostgreSQL, keeps its queues in memory and runs the workers as fibers in its own process.
const seller: FakeUser = { id: 9_200_000_001, first_name: "Célia" }
const admin: FakeUser = { id: 9_200_000_002, first_name: "Admin" }
const phone = "5521988887777"
const group = { id: -1002001001001, title: "Feira de Sábado" }

layer(FakeBotApi.layer, { excludeTestServices: true, timeout: "60 seconds" })("the control plane alone on one machine", (it) => {
  it.effect("runs with only the Telegram secrets: embedded PostgreSQL, in-memory queue, inline workers", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const control = yield* ControlProcess.start(
        ControlProcess.singleProcessEnvironment(api, dataFolder, { ADMIN_TELEGRAM_IDS: String(admin.id) })
      )

      yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
      yield* exchange(admin, `/admin_plano ${seller.id} basic`, includes("Plano Básico concedido"))
      yield* exchange(seller, "/login", includes("número de telefone"))
      yield* exchange(seller, "+55 21 98888-7777", includes("Digite o código"), "60 seconds")
      yield* exchange(seller, "1 2 3 4 5", includes("Seus grupos"))
      yield* exchange(seller, "/ativar feira de sabado", includes(`Grupo ativado: ${group.title}`))
      const status = yield* exchange(seller, "/status", includes("Sessão: conectada"))
      assert.include(status.text, `• ${group.title}`)
      assert.include(status.text, "+55 *******7777")
      yield* replaceTable(seller, "Marmita = 22,00")

      const accountFolder = Path.join(dataFolder, "sessions", `vigia-session-${phone}-data`)
      yield* customerWrites(accountFolder, phone, group.id, "2 marmitas por favor")
      const report = yield* api.awaitMessage(seller.id, includes("Pedido em Feira de Sábado"))
      assert.include(report.text, "R$ 44,00")

      const output = control.output()
      assert.include(output, "embedded PostgreSQL started")
      assert.notInclude(output, phone, "phone numbers are masked in the logs")
      assert.notInclude(output, api.token, "the bot token never reaches the logs")
    }),
    { timeout: 120_000 })
})
