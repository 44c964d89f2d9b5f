import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { buttonData, exchange, includes, lastMessageId, newerThan, press } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// An administrator looks after the sessions (stop with a confirmation, restart, start again) and reads the audit log
// a page at a time; every look and every action is audited, and nobody else can press those buttons.
const admin: FakeUser = { id: 9_800_000_001, first_name: "Admin" }
const joana: FakeUser = { id: 9_800_000_002, first_name: "Joana" }
const phone = "5521966665555"
const masked = "+55 *******5555"

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty)

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the administrators' tools", (it) => {
  it.effect("stops a session after a confirmation, restarts and starts it again, and pages through the audit log", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sql = yield* SqlClient.SqlClient
      yield* ControlProcess.startOverTestDatabase({ ADMIN_TELEGRAM_IDS: String(admin.id), BOT_RATE_LIMIT: "1000" })
      const session = Effect.map(
        sql<{ readonly desiredState: string; readonly observedState: string }>`
          SELECT desired_state, observed_state FROM sessions WHERE phone_number = ${phone}`,
        (rows) => rows[0]
      )
      const adminActions = sql<{ readonly details: { readonly action?: string; readonly command?: string } }>`
        SELECT details FROM audit_log WHERE action = 'admin-action' ORDER BY id`

      yield* exchange(joana, "/start", includes("Eu sou o Vigia"))
      yield* exchange(admin, `/admin_plano ${joana.id} basic 30`, includes("Plano Básico concedido a 9800000002 por 30 dias."))
      yield* exchange(joana, "/login", includes("número de telefone"))
      yield* exchange(joana, "+55 21 96666-5555", includes("Digite o código"), "60 seconds")
      yield* exchange(joana, "1 2 3 4 5", includes("Seus grupos"))

      const list = yield* exchange(admin, "/admin_sessoes", includes("Sessões: 1"))
      assert.include(list.text, `1. ${masked} — inline, running/authorized · vendedor ${joana.id}`)
      assert.notInclude(list.text, phone, "a full phone number in the list")

      // Nobody but an administrator presses these buttons, even with the data of one.
      const beforeForged = yield* lastMessageId(api, joana.id)
      yield* api.pressButton(joana, list.message_id, buttonData(list, "Parar 1").replace(":s:", ":S:"))
      yield* api.awaitMessage(joana.id, newerThan(beforeForged)(includes("Esse comando é só para administradores.")))
      assert.strictEqual((yield* session)?.desiredState, "running")

      // Restart: stopped and started through the manager; the account stays connected.
      yield* press(admin, list, "Reiniciar 1", includes(`✅ Sessão ${masked} reiniciada.`), "60 seconds")
      assert.strictEqual((yield* session)?.desiredState, "running")
      assert.include(["running", "authorized"], (yield* session)?.observedState)
      // The account stays connected through a restart (the worker's TDLib data is kept).
      yield* exchange(joana, "/status", includes(`Conta: ${masked}`))

      // Stop: asked first; cancelling changes nothing, confirming stops it and tells the seller.
      const ask = yield* press(admin, list, "Parar 1", includes(`Parar a sessão ${masked}?`))
      yield* press(admin, ask, "Cancelar", includes("Ok, nada mudou."))
      assert.strictEqual((yield* session)?.desiredState, "running")
      const askAgain = yield* press(admin, list, "Parar 1", includes(`Parar a sessão ${masked}?`))
      yield* press(admin, askAgain, "Sim, parar", includes(`⏹ Sessão ${masked} parada.`), "60 seconds")
      yield* api.awaitMessage(joana.id, includes("O suporte do Vigia parou a sua sessão do Telegram"))
      // What the manager wants is recorded; the observed state is the worker's last word, which may come after the stop.
      assert.strictEqual((yield* session)?.desiredState, "stopped")

      // A stopped session whose account is still connected can be started again.
      const stoppedList = yield* exchange(admin, "/admin_sessoes", includes(`${masked} — inline, stopped/`))
      assert.throws(() => buttonData(stoppedList, "Parar 1"))
      yield* press(admin, stoppedList, "Iniciar 1", includes(`✅ Sessão ${masked} reiniciada.`), "60 seconds")
      assert.strictEqual((yield* session)?.desiredState, "running")

      assert.deepStrictEqual(
        (yield* adminActions).filter((row) => row.details.command === "admin_sessoes").map((row) => row.details.action ?? "list"),
        ["list", "restart", "stop", "list", "restart"]
      )

      // The audit log of one seller, then everyone's, in pages under Telegram's 4,096 characters.
      const own = yield* exchange(admin, `/admin_auditoria ${joana.id}`, includes(`Auditoria de ${joana.id}`))
      const ownLines = own.text.split("\n").slice(1)
      assert.isTrue(ownLines.every((line) => line.includes(` · ${joana.id} · `)), own.text)
      assert.isTrue(ownLines.some((line) => line.includes("admin-action") && line.includes("action=stop")), own.text)
      assert.isTrue(ownLines.some((line) => line.includes("plan-changed") && line.includes("plan=basic")), own.text)
      yield* sql`
        INSERT INTO audit_log (user_id, action, details, at)
        SELECT NULL, 'admin-action', jsonb_build_object('command', 'filler', 'n', n, 'text', repeat('x', 150)), now()
        FROM generate_series(1, 120) AS n`
      const total = Number((yield* sql<{ readonly count: string }>`SELECT count(*)::text AS count FROM audit_log`)[0]?.count)
      const pages: Array<BotMessage> = [yield* exchange(admin, "/admin_auditoria", includes("Auditoria, mais recentes primeiro:"))]
      while (pages.at(-1)?.reply_markup !== undefined) {
        const last = pages.at(-1) as BotMessage
        pages.push(yield* press(admin, last, "Mais antigas", includes("Auditoria, mais recentes primeiro:")))
      }
      assert.isAbove(pages.length, 2)
      for (const page of pages) assert.isBelow(page.text.length, 4096)
      const shown = pages.flatMap((page) => page.text.split("\n").slice(1))
      // Every entry once, and the first read's own entry on top; the later reads' entries are newer than what they page.
      assert.strictEqual(shown.length, total + 1)
      assert.include(shown[0], "command=admin_auditoria")
      const ids = shown.map((line) => Number(/^#(\d+) /.exec(line)?.[1]))
      assert.strictEqual(new Set(ids).size, shown.length, "an entry shown twice")
      assert.deepStrictEqual(ids, [...ids].sort((a, b) => b - a), "entries out of order")

      yield* exchange(admin, "/admin_auditoria abc", includes("Use: /admin_auditoria"))
      yield* exchange(admin, "/admin_auditoria 123", includes("Nenhum usuário com id 123."))
      yield* exchange(joana, "/admin_auditoria", includes("Esse comando é só para administradores."))
    }), { timeout: 240_000 })
})
