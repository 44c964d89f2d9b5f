import { afterAll, assert, layer } from "@effect/vitest"
import { Clock, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { addDays, dayAt, display } from "../../src/bot/OrderPeriods.ts"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import * as Data from "../../src/data/layer.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi } from "../support/FakeBotApi.ts"
import {
  cleanup,
  customerWrites,
  deployment,
  environment,
  fakeScript,
  linkOf,
  ready,
  type Seller,
  seedSeller
} from "../support/OrderHarness.ts"
import { exchange, includes, press } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { eventually } from "../support/WorkerHarness.ts"

const at = deployment("history")

/** The seller's second group: a basic group, whose messages Telegram gives no link to. */
const building = { id: -4001009002, kind: "basicGroup", title: "Encomendas do Prédio" } as const

const ledger = (seller: Seller) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly messageId: string; readonly reportState: string }>`
      SELECT message_id, report_state FROM orders WHERE user_id = ${seller.userId} ORDER BY id`)

/** Every order in the ledger settled (reported, or given up as undelivered): `count` of them. */
const settled = (seller: Seller, count: number) =>
  eventually(`${count} orders settled`, ledger(seller), (rows) =>
    rows.length === count && rows.every((row) => row.reportState === "reported" || row.reportState === "undelivered"), "60 seconds")

/** The CSV's rows, without the byte-order mark and the last line end, split into cells. */
const csvRows = (message: BotMessage) => {
  const content = message.document?.content ?? ""
  assert.isTrue(content.startsWith("\uFEFF"), "a byte-order mark, for the spreadsheet")
  return content.slice(1).split("\r\n").filter((row) => row !== "").map((row) => row.split(";"))
}

/** `12 coca 2l` a line, `lines` lines: R$ 9,50 × (1 + … + lines). */
const bigOrder = (lines: number) => Array.from({ length: lines }, (_, index) => `${index + 1} coca 2l`).join("\n")

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

layer(TestLayer, { excludeTestServices: true, timeout: "120 seconds" })("the seller's order history, end to end", (it) => {
  it.effect("/pedidos shows the day's orders with totals, pages, earlier days and one group; /exportar sends them as CSV", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sql = yield* SqlClient.SqlClient
      const database = yield* TestDatabase
      const seller = yield* seedSeller(at, { plan: "basic" })
      const user = { id: seller.chatId, first_name: "Vendedora" }
      yield* (yield* ActiveGroups).activate(seller.userId, { groupId: building.id, title: building.title })
      yield* ControlProcess.start(environment(at, api, database, {
        FAKE_TDL_SCRIPT: JSON.stringify({ chats: [...fakeScript.chats, building] })
      }))
      yield* ready(at, seller)

      // The orders that showed the worker ready become yesterday's.
      const warmUp = (yield* settled(seller, (yield* ledger(seller)).length)).length
      yield* sql`UPDATE orders SET received_at = received_at - interval '1 day' WHERE user_id = ${seller.userId}`

      const first = yield* customerWrites(at, seller.phone, "2x coca 2l, 3 pão de queijo")
      for (let index = 0; index < 8; index++) yield* customerWrites(at, seller.phone, bigOrder(12))
      yield* customerWrites(at, seller.phone, "1 pastel de carne", building.id)
      yield* settled(seller, warmUp + 10)
      // The seller blocks the bot: the next order is not delivered; then they come back.
      yield* api.block(seller.chatId)
      const blocked = yield* customerWrites(at, seller.phone, "3x coca 2l")
      yield* settled(seller, warmUp + 11)
      assert.strictEqual((yield* ledger(seller)).at(-1)?.reportState, "undelivered")
      yield* api.block(seller.chatId, false)

      // Today: 10 orders in the supergroup (22,60 + 8 × 741,00 + 28,50), 1 in the basic group (7,00).
      const today = dayAt(new Date(yield* Clock.currentTimeMillis), "America/Sao_Paulo")
      const overview = yield* exchange(user, "/pedidos", includes("📦 Pedidos de"))
      assert.include(overview.text, `📦 Pedidos de ${display(today)} (hoje)\n11 pedidos · R$ 5.986,10\nPor grupo:`)
      assert.include(overview.text, "• Feira de Sábado: 10 pedidos · R$ 5.979,10\n• Encomendas do Prédio: 1 pedido · R$ 7,00")
      assert.include(overview.text, "⚠️ 1 pedido não entregue")
      assert.include(overview.text, "Página 1 de 2")
      assert.include(overview.text, `• 2 un × Coca-Cola 2L = R$ 19,00\n• 3 un × Pão de queijo = R$ 3,60\nTotal: R$ 22,60\n🔗 ${linkOf(first)}`)

      const second = yield* press(user, overview, "Próxima página", includes("Página 2 de 2"))
      assert.strictEqual(second.message_id, overview.message_id, "the same message, edited")
      assert.include(second.text, `⚠️ não entregue\n• 3 un × Coca-Cola 2L = R$ 28,50\nTotal: R$ 28,50\n🔗 ${linkOf(blocked)}`)
      const heads = [overview.text, second.text].flatMap((page) => page.split("\n").filter((line) => line.startsWith("🕑 ")))
      assert.lengthOf(heads, 11, "every order once over the two pages")
      for (const page of [overview.text, second.text]) assert.isAtMost(page.length, 4096)

      const inBuilding = yield* press(user, second, "Encomendas do Prédio", includes("— Encomendas do Prédio"))
      assert.include(inBuilding.text, "1 pedido · R$ 7,00")
      assert.include(inBuilding.text, "· Encomendas do Prédio · Carlos Cliente\n• 1 un × Pastel de carne = R$ 7,00\nTotal: R$ 7,00")
      assert.notInclude(inBuilding.text, "🔗", "a basic group's message has no link")
      assert.notInclude(inBuilding.text, "Coca-Cola")

      const everyGroup = yield* press(user, inBuilding, "Todos os grupos", includes("11 pedidos · R$ 5.986,10"))
      const yesterday = addDays(today, -1)
      const before = yield* press(user, everyGroup, "◀️", includes(`Pedidos de ${display(yesterday)} (ontem)`))
      assert.include(before.text, `${warmUp} ${warmUp === 1 ? "pedido" : "pedidos"} · R$ ${warmUp * 7},00`)
      const empty = yield* press(user, before, "◀️", includes("Nenhum pedido em"))
      assert.strictEqual(empty.text, `📦 Nenhum pedido em ${display(addDays(today, -2))}.`)
      yield* press(user, empty, "▶️", includes(`Pedidos de ${display(yesterday)} (ontem)`))

      // /exportar: today's orders, a row per item line.
      const exported = yield* exchange(user, "/exportar", (message) => message.document !== undefined)
      assert.strictEqual(exported.document?.file_name, `pedidos-${today}.csv`)
      assert.include(exported.text, "11 pedidos · R$ 5.986,10")
      const rows = csvRows(exported)
      assert.deepStrictEqual(rows[0], [
        "data", "hora", "grupo", "cliente", "item", "quantidade", "unidade", "preço unitário", "total da linha", "total do pedido",
        "situação", "link"
      ])
      assert.lengthOf(rows, 1 + 2 + 8 * 12 + 1 + 1)
      const cells = (row: ReadonlyArray<string> | undefined) => [row?.[0], ...(row ?? []).slice(2)]
      assert.deepStrictEqual(cells(rows[1]), [
        display(today), "Feira de Sábado", "Carlos Cliente", "Coca-Cola 2L", "2", "un", "9,50", "19,00", "22,60", "entregue", linkOf(first)
      ])
      assert.deepStrictEqual(cells(rows.find((row) => row[2] === building.title)), [
        display(today), building.title, "Carlos Cliente", "Pastel de carne", "1", "un", "7,00", "7,00", "7,00", "entregue", ""
      ])
      assert.deepStrictEqual(cells(rows.at(-1)), [
        display(today), "Feira de Sábado", "Carlos Cliente", "Coca-Cola 2L", "3", "un", "9,50", "28,50", "28,50", "não entregue", linkOf(blocked)
      ])
      const lineTotals = rows.slice(1).reduce((sum, row) => sum + Number((row[8] ?? "").replace(",", ".")), 0)
      assert.strictEqual(Math.round(lineTotals * 100), 598_610)

      const twoDays = yield* exchange(user, "/exportar 2", (message) => message.document !== undefined)
      assert.lengthOf(csvRows(twoDays), rows.length + warmUp)

      // Periods the bot cannot read, or too long, are explained; an empty period sends no file.
      assert.include((yield* exchange(user, "/exportar semana", includes("período"))).text, "/exportar 01/11 30/11")
      yield* exchange(user, "/exportar 31/02", includes("Essa data não existe no calendário"))
      yield* exchange(user, "/exportar 30/11/2026 01/11/2026", includes("A primeira data vem depois da segunda"))
      yield* exchange(user, "/exportar 400", includes("no máximo 366 dias"))
      const documents = (yield* api.calls).filter((call) => call.method === "sendDocument").length
      yield* exchange(user, "/exportar 01/01/2026 02/01/2026", includes("Nenhum pedido de 01/01/2026 a 02/01/2026"))
      yield* Effect.sleep("1 second")
      assert.strictEqual((yield* api.calls).filter((call) => call.method === "sendDocument").length, documents)
    }).pipe(Effect.scoped), { timeout: 240_000 })
})

afterAll(() => Effect.runPromise(cleanup(at)))
