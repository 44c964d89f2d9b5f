import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Path from "node:path"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { customerWrites, exchange, includes, lastMessageId, newerThan, press } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// A seller keeps a price table the way the issue asks: looking never arms a replacement, a new table is shown
// before it replaces the old one, products change one at a time, and every change reaches the next order at once.
const admin: FakeUser = { id: 9_600_000_001, first_name: "Admin" }
const hana: FakeUser = { id: 9_600_000_002, first_name: "Hana" }
const phone = "5521977776666"
const group = { id: -1002001001001, title: "Feira de Sábado" }

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty)

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the price table, item by item", (it) => {
  it.effect("views without arming, previews a new table before replacing it, edits, removes, undoes, and prices the next order", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sql = yield* SqlClient.SqlClient
      // The seller here types faster than a person: the rate limit is not what this test is about.
      const { folder: dataFolder } = yield* ControlProcess.startOverTestDatabase({ ADMIN_TELEGRAM_IDS: String(admin.id), BOT_RATE_LIMIT: "1000" })
      const table = sql<{ readonly name: string; readonly price: string }>`
        SELECT p.name, p.price_centavos::text AS price FROM price_items p JOIN users u ON u.id = p.user_id
        WHERE u.telegram_user_id = ${hana.id} ORDER BY p.position`
      const names = Effect.map(table, (rows) => rows.map((row) => `${row.name} ${row.price}`))
      /** A customer orders in the watched group; the report the seller gets. */
      const order = (text: string) =>
        Effect.gen(function*() {
          const before = yield* lastMessageId(api, hana.id)
          yield* customerWrites(Path.join(dataFolder, "sessions", `vigia-session-${phone}-data`), phone, group.id, text)
          return yield* api.awaitMessage(hana.id, newerThan(before)(includes("Pedido em Feira de Sábado")))
        })

      yield* exchange(hana, "/start", includes("Eu sou o Vigia"))
      yield* exchange(admin, `/admin_plano ${hana.id} basic`, includes("Plano Básico concedido"))
      yield* exchange(hana, "/login", includes("número de telefone"))
      yield* exchange(hana, "+55 21 97777-6666", includes("Digite o código"), "60 seconds")
      yield* exchange(hana, "1 2 3 4 5", includes("Seus grupos"))
      yield* exchange(hana, "/ativar feira de sabado", includes(`Grupo ativado: ${group.title}`))

      // Looking is looking: the next ordinary message is chatter, not a table.
      yield* exchange(hana, "/tabela", includes("Sua tabela de preços está vazia"))
      yield* exchange(hana, "coca 2l 10", includes("Eu não converso por aqui"))
      assert.deepStrictEqual(yield* names, [], "a message after /tabela replaced the table")

      // A new table with a bad line: the seller sees the ignored line and what changes; nothing is replaced yet.
      yield* exchange(hana, "/tabela nova", includes("Envie a nova tabela"))
      const preview = yield* exchange(hana, "Coca-Cola 2L = 9,50\nPão de queijo = 1,20\nlinha sem preço", includes("Troco a sua tabela"))
      assert.include(preview.text, "📋 Nova tabela: 2 produtos.")
      assert.include(preview.text, "➕ 2 novos: Coca-Cola 2L, Pão de queijo")
      assert.include(preview.text, "⚠️ 1 linha ignorada")
      assert.isTrue((yield* api.messagesIn(hana.id)).some(includes("linha 3 (“linha sem preço”): não encontrei o preço.")))
      assert.deepStrictEqual(yield* names, [], "the table was replaced before the seller confirmed")
      yield* press(hana, preview, "Trocar a tabela", includes("✅ Tabela atualizada: 2 produtos."))
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 950", "Pão de queijo 120"])
      assert.include((yield* order("2x coca 2L")).text, "R$ 19,00")

      // One price, exactly named: applied at once, and the very next order is priced with it.
      yield* exchange(hana, "/preco coca-cola 2l 10", includes("✏️ Coca-Cola 2L: R$ 9,50/un → R$ 10,00/un."))
      assert.include((yield* order("2x coca 2L")).text, "R$ 20,00")

      // Not exactly named: a question, one button per product it could be, plus a new product.
      const question = yield* exchange(hana, "/preco coca 11", includes("Não achei “coca” exatamente"))
      yield* press(hana, question, "Coca-Cola 2L", includes("R$ 10,00/un → R$ 11,00/un"))
      assert.include((yield* order("1 coca 2L")).text, "R$ 11,00")
      yield* exchange(hana, "/preco Brigadeiro 2,50", includes("➕ Produto novo na tabela: Brigadeiro — R$ 2,50/un."))
      yield* exchange(hana, "/preco coca-cola 2l 11", includes("já custa R$ 11,00/un"))

      // Bad input: a price that does not read, a product that is not there.
      yield* exchange(hana, "/preco coca dez reais", includes("❌ Não encontrei o preço"))
      yield* exchange(hana, "/preco pão de queijo 1,999", includes("❌ O preço não é um valor válido"))
      yield* exchange(hana, "/preco", includes("Use: /preco <produto> <preço>"))
      yield* exchange(hana, "/remover coxinha", includes("Não encontrei “coxinha” na sua tabela."))
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 1100", "Pão de queijo 120", "Brigadeiro 250"])

      // Removing: exactly named at once; otherwise a question, which can be cancelled.
      yield* exchange(hana, "/remover pao de queijo", includes("➖ Tirei Pão de queijo da tabela."))
      const removal = yield* exchange(hana, "/remover brigadeiros", includes("Qual produto eu tiro?"))
      yield* press(hana, removal, "Cancelar", includes("Ok, nada mudou na sua tabela."))
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 1100", "Brigadeiro 250"])
      const pressedAgain = yield* press(hana, removal, "Brigadeiro", includes("Essa pergunta já foi respondida"))
      assert.strictEqual(pressedAgain.message_id, removal.message_id)
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 1100", "Brigadeiro 250"], "a cancelled question still removed")

      // Undo goes back one change at a time.
      const undone = yield* exchange(hana, "/desfazer", includes("↩️ Voltei a tabela"))
      assert.include(undone.text, "➕ 1 novo: Pão de queijo")
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 1100", "Pão de queijo 120", "Brigadeiro 250"])
      assert.include((yield* order("3 pão de queijo")).text, "R$ 3,60")

      // The table as a CSV, edited and sent back as a file.
      const before = yield* lastMessageId(api, hana.id)
      yield* api.sendText(hana, "/tabela csv")
      const csv: BotMessage = yield* api.awaitMessage(hana.id, newerThan(before)((message) => message.document !== undefined))
      assert.strictEqual(csv.document?.file_name, "tabela-de-precos.csv")
      assert.include(csv.text, "3 produtos")
      const content = csv.document?.content ?? ""
      assert.include(content, "nome;preco;unidade;apelidos\r\nCoca-Cola 2L;11,00;un;\r\n")
      yield* exchange(hana, "/tabela nova", includes("Envie a nova tabela"))
      const beforeFile = yield* lastMessageId(api, hana.id)
      yield* api.sendDocument(hana, "tabela.csv", content.replace("Coca-Cola 2L;11,00", "Coca-Cola 2L;12,50").replace(/Brigadeiro;[^\r]*\r\n/, ""))
      const filePreview = yield* api.awaitMessage(hana.id, newerThan(beforeFile)(includes("Troco a sua tabela")))
      assert.include(filePreview.text, "✏️ 1 mudou:\n• Coca-Cola 2L: R$ 11,00/un → R$ 12,50/un")
      assert.include(filePreview.text, "➖ 1 removido: Brigadeiro")
      assert.include(filePreview.text, "= 1 sem mudança")

      // A preview answered after the table changed applies nothing.
      yield* exchange(hana, "/preco Pastel 7", includes("Produto novo"))
      yield* press(hana, filePreview, "Trocar a tabela", includes("Sua tabela mudou depois dessa pergunta"))
      assert.deepStrictEqual(yield* names, ["Coca-Cola 2L 1100", "Pão de queijo 120", "Brigadeiro 250", "Pastel 700"])

      // A spreadsheet's own file is refused with what to do; the table is kept.
      yield* exchange(hana, "/tabela nova", includes("Envie a nova tabela"))
      const beforeSheet = yield* lastMessageId(api, hana.id)
      yield* api.sendDocument(hana, "tabela.xlsx", "PK\u0003\u0004 binary")
      yield* api.awaitMessage(hana.id, newerThan(beforeSheet)(includes("Esse arquivo é uma planilha")))
      yield* exchange(hana, "/cancelar", includes("cancelei"))

      const listing = yield* exchange(hana, "/tabela", includes("📋 Sua tabela de preços: 4 produtos."))
      assert.include(listing.text, "• Pastel — R$ 7,00/un")
      assert.include(listing.text, "/desfazer")

      const audit = yield* sql<{ readonly action: string }>`
        SELECT a.action FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.telegram_user_id = ${hana.id} ORDER BY a.id`
      assert.includeMembers(audit.map((entry) => entry.action), [
        "price-table-replaced",
        "price-item-set",
        "price-item-removed",
        "price-table-restored"
      ])
    }), { timeout: 240_000 })
})
