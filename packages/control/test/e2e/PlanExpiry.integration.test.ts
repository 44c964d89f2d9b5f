import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { exchange, includes, lastMessageId, newerThan } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// A paid plan that runs out while the seller works: warned once beforehand, then the periodic plan check ends
// the session, keeps the most recently chosen group, tells the seller once, and a renewed plan logs in again.
const admin: FakeUser = { id: 9_500_000_001, first_name: "Admin" }
const gil: FakeUser = { id: 9_500_000_002, first_name: "Gil" }
const planSeconds = 60
const warned = includes("⏳ Seu plano Básico vence em")
const enforcedNotice = includes("⚠️ Seu plano Básico venceu")

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty)

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("a plan that expires", (it) => {
  it.effect("warns once, then stops the session and the groups beyond the free plan once; /status and /login agree", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const database = yield* TestDatabase
      const sql = yield* SqlClient.SqlClient
      const dataFolder = yield* ControlProcess.singleProcessFolder
      yield* ControlProcess.start(
        ControlProcess.singleProcessEnvironment(api, dataFolder, {
          DATABASE_URL: Redacted.value(database.url),
          ADMIN_TELEGRAM_IDS: String(admin.id),
          PLAN_CHECK_INTERVAL: "1 second"
        })
      )
      yield* exchange(gil, "/start", includes("Eu sou o Vigia"))
      // A basic plan bought a minute before it runs out (`/admin_plano` grants whole days).
      yield* sql`
        UPDATE subscriptions SET plan = 'basic', expires_at = ${new Date(Date.now() + planSeconds * 1000)}, updated_at = ${new Date()}
        WHERE user_id = (SELECT id FROM users WHERE telegram_user_id = ${gil.id})`
      yield* api.awaitMessage(gil.id, warned, "30 seconds")

      yield* exchange(gil, "/login", includes("número de telefone"))
      yield* exchange(gil, "+55 21 98888-7777", includes("Digite o código"), "60 seconds")
      yield* exchange(gil, "1 2 3 4 5", includes("Seus grupos"))
      yield* exchange(gil, "/ativar feira de sabado", includes("Grupo ativado: Feira de Sábado"))
      yield* exchange(gil, "/ativar vila mariana", includes("Grupo ativado: Pedidos Vila Mariana"))

      const enforced = yield* api.awaitMessage(gil.id, enforcedNotice, `${planSeconds + 30} seconds`)
      assert.include(enforced.text, "Feira de Sábado", "the group that was deactivated is named")
      assert.include(enforced.text, "/login")
      const status = yield* exchange(gil, "/status", (message) => message.text.includes("Sessão:") || message.text.includes("não permite"))
      assert.include(status.text, "não permite", "/status is a paid command")

      // A few more passes: each notice was given once.
      yield* Effect.sleep("4 seconds")
      const said = yield* api.messagesIn(gil.id)
      assert.lengthOf(said.filter(warned), 1)
      assert.lengthOf(said.filter(enforcedNotice), 1)
      const groups = yield* sql<{ readonly title: string }>`
        SELECT g.title FROM active_groups g JOIN users u ON u.id = g.user_id WHERE u.telegram_user_id = ${gil.id}`
      assert.deepStrictEqual(groups.map((group) => group.title), ["Pedidos Vila Mariana"])
      const sessions = yield* sql<{ readonly desiredState: string; readonly observedState: string }>`
        SELECT s.desired_state, s.observed_state FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.telegram_user_id = ${gil.id}`
      assert.deepStrictEqual(sessions.map((session) => session.desiredState), ["stopped"])
      const audit = yield* sql<{ readonly action: string }>`
        SELECT a.action FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.telegram_user_id = ${gil.id} ORDER BY a.id`
      assert.includeMembers(audit.map((entry) => entry.action), ["plan-enforced", "group-deactivated", "logout"])

      // Renewed: the account connects again from the start, and /status says so.
      yield* exchange(admin, `/admin_plano ${gil.id} basic 30`, includes("Plano Básico concedido"))
      const beforeLogin = yield* lastMessageId(api, gil.id)
      yield* exchange(gil, "/login", includes("número de telefone"))
      yield* exchange(gil, "+55 21 98888-7777", includes("Digite o código"), "60 seconds")
      yield* exchange(gil, "1 2 3 4 5", includes("Seus grupos"))
      assert.isTrue((yield* api.messagesIn(gil.id)).some(newerThan(beforeLogin)(includes("Conta conectada"))))
      const connected = yield* exchange(gil, "/status", includes("Sessão:"))
      assert.include(connected.text, "Sessão: conectada")
      assert.include(connected.text, "• Pedidos Vila Mariana")
    }), { timeout: 240_000 })
})
