import { afterAll, assert, layer } from "@effect/vitest"
import * as Money from "@vigia/domain/Money"
import { Centavos } from "@vigia/domain/PriceTable"
import { Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { Redis } from "ioredis"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Data from "../../src/data/layer.ts"
import { poolsData, spaceOf } from "../../src/sessions/manager/Placement.ts"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { accountFolder, cleanup, customerWrites, deployment, environment, group, linkOf, ready, type Seller, seedSeller } from "../support/OrderHarness.ts"
import { exchange, includes, lastMessageId, newerThan, press } from "../support/SellerScript.ts"
import { sample } from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { redisUrl } from "../support/WorkerHarness.ts"

const at = deployment("sellerdata")
const pooledAt = deployment("sellerdatapool", 3)

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

const isSummary = (message: BotMessage) => message.text.startsWith("📊 Resumo de")

const summariesOf = (seller: Seller) =>
  FakeBotApi.use((api) => api.messagesIn(seller.chatId)).pipe(Effect.map((messages) => messages.filter(isSummary)))

/** A fixed-offset zone where it is now between 13h and 21h: its summary at the hour now covers today, due at once. */
const afternoonZone = (now: Date) => {
  for (let offset = -12; offset <= 14; offset++) {
    const hour = (now.getUTCHours() + offset + 24) % 24
    if (hour >= 13 && hour <= 21) return { zone: offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`, hour }
  }
  throw new Error("no zone in the afternoon")
}

/** Moves the seller's last summary a day back, as the next day would find it. */
const nextDay = (seller: Seller) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`UPDATE seller_settings SET summary_last_day = summary_last_day - 1 WHERE user_id = ${seller.userId}`)

/** No new summary within a few passes of the job (it runs every second here). */
const noSummaryFor = (seller: Seller, count: number) =>
  Effect.sleep("3 seconds").pipe(Effect.andThen(summariesOf(seller)), Effect.map((found) => assert.strictEqual(found.length, count)))

const awaitSummaries = (seller: Seller, count: number) =>
  summariesOf(seller).pipe(
    Effect.repeat({ until: (found) => found.length >= count, schedule: Schedule.spaced("200 millis") }),
    Effect.timeout("20 seconds")
  )

const redisKeysOf = (pattern: string) =>
  Effect.promise(async () => {
    const redis = new Redis(redisUrl)
    const keys = await redis.keys(pattern)
    await redis.quit()
    return keys
  })

const rowsOf = (seller: Seller) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ count: bigint }>`
      SELECT (SELECT count(*) FROM users WHERE id = ${seller.userId} OR telegram_user_id = ${seller.chatId})
        + (SELECT count(*) FROM orders WHERE user_id = ${seller.userId})
        + (SELECT count(*) FROM active_groups WHERE user_id = ${seller.userId})
        + (SELECT count(*) FROM price_items WHERE user_id = ${seller.userId})
        + (SELECT count(*) FROM sessions WHERE user_id = ${seller.userId} OR phone_number = ${seller.phone})
        + (SELECT count(*) FROM seller_settings WHERE user_id = ${seller.userId})
        + (SELECT count(*) FROM conversations WHERE telegram_user_id = ${seller.chatId})
        + (SELECT count(*) FROM audit_log WHERE user_id = ${seller.userId}) AS count`).pipe(
      Effect.map(([row]) => Number(row?.count))
    )

afterAll(() => Effect.runPromise(Effect.andThen(cleanup(at), cleanup(pooledAt))))

/** The records of the pool processes that run in `root`. */
const poolRecords = (root: string) => Fs.readdirSync(root).filter((name) => /^vigia-session-999[0-9]{9}\.json$/.test(name))

layer(TestLayer, { excludeTestServices: true, timeout: "180 seconds" })("a seller's data, end to end", (it) => {
  it.effect("the daily summary arrives once a day while on, never once off; /apagar cancelled keeps everything, confirmed erases it", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sql = yield* SqlClient.SqlClient
      const seller = yield* seedSeller(at, { plan: "basic" })
      const user: FakeUser = { id: seller.chatId, first_name: "Vendedora" }
      const control = yield* ControlProcess.start(environment(at, api, yield* TestDatabase, { SUMMARY_CHECK_INTERVAL: "1 second" }))
      const metric = (name: string, labels: Readonly<Record<string, string>> = {}) =>
        Effect.promise(() => fetch(`http://127.0.0.1:${control.metricsPort}/metrics`).then((response) => response.text())).pipe(
          // A metric without attributes is written without braces.
          Effect.map((text) => sample(text.replaceAll(`${name} `, `${name}{} `), name, labels))
        )
      yield* ready(at, seller, "5 seconds")

      // The summary: off by default; bad hours refused; turned on in a zone where it is afternoon now.
      yield* exchange(user, "/resumo", includes("O resumo diário está desligado"))
      yield* exchange(user, "/resumo 25h", includes("Não entendi o horário"))
      yield* exchange(user, "/resumo abc", includes("Não entendi o horário"))
      yield* exchange(user, "/fuso Marte/Olimpo", includes("Não conheço o fuso"))
      const { hour, zone } = afternoonZone(new Date())
      yield* exchange(user, `/fuso ${zone}`, includes(`Fuso horário: ${zone}`))
      for (const text of ["2x coca 2l", "3 pão de queijo"]) {
        const messageId = yield* customerWrites(at, seller.phone, text)
        yield* api.awaitMessage(seller.chatId, includes(linkOf(messageId)), "20 seconds")
      }
      assert.strictEqual((yield* summariesOf(seller)).length, 0)
      yield* exchange(user, `/resumo ${hour}h`, includes(`Resumo diário ligado: todo dia às ${hour}h (${zone})`))

      const [first] = yield* awaitSummaries(seller, 1)
      const [ledger] = yield* sql<{ orders: bigint; total: bigint }>`
        SELECT count(*) AS orders, sum(total_centavos)::int8 AS total FROM orders WHERE user_id = ${seller.userId}`
      const orders = Number(ledger?.orders)
      const total = Money.format(Centavos.make(Number(ledger?.total)))
      assert.isAtLeast(orders, 3)
      assert.include(first?.text, "Resumo de hoje")
      assert.include(first?.text, `• ${group.title}: ${orders} pedidos — ${total}`)
      assert.include(first?.text, `Total: ${orders} pedidos — ${total}`)
      yield* noSummaryFor(seller, 1)

      // The next day it comes again; a seller who blocked the bot is not tried again; off, none comes.
      yield* nextDay(seller)
      yield* awaitSummaries(seller, 2)
      yield* noSummaryFor(seller, 2)
      yield* api.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" })
      yield* nextDay(seller)
      yield* Effect.sleep("3 seconds")
      const [blocked] = yield* sql<{ blocked: boolean }>`
        SELECT summary_blocked_at IS NOT NULL AS blocked FROM seller_settings WHERE user_id = ${seller.userId}`
      assert.isTrue(blocked?.blocked)
      yield* nextDay(seller)
      yield* noSummaryFor(seller, 2)
      yield* exchange(user, "/resumo", includes("pausado"))
      assert.strictEqual(yield* metric("vigia_daily_summaries_total", { outcome: "sent" }), 2)
      assert.strictEqual(yield* metric("vigia_daily_summaries_total", { outcome: "blocked" }), 1)
      yield* exchange(user, "/resumo desligar", includes("Resumo diário desligado"))
      yield* nextDay(seller)
      yield* noSummaryFor(seller, 2)

      // /apagar, cancelled: everything stays.
      const dataFolder = Path.join(at.workersRoot, ContainerNames.volumeName(seller.phone))
      const before = yield* rowsOf(seller)
      const question = yield* exchange(user, "/apagar", includes("Apagar todos os seus dados do Vigia?"))
      yield* press(user, question, "Cancelar", includes("nada foi apagado"))
      assert.strictEqual(yield* rowsOf(seller), before)
      assert.isTrue(Fs.existsSync(dataFolder))

      // Confirmed: the worker and its folder, its queues, every row of the seller go; the audit keeps one anonymous entry.
      const again = yield* exchange(user, "/apagar", includes("Apagar todos os seus dados do Vigia?"))
      const done = yield* press(user, again, "Apagar tudo", includes("Seus dados foram apagados"), "60 seconds")
      assert.include(done.text, "registro de pedidos:")
      assert.include(done.text, "(1 conta)")
      assert.strictEqual(yield* rowsOf(seller), 0)
      assert.strictEqual(yield* metric("vigia_sellers_erased_total"), 1)
      assert.isFalse(Fs.existsSync(dataFolder), "the worker's data folder is gone")
      assert.isFalse(Fs.existsSync(Path.join(at.workersRoot, `${ContainerNames.workerName(seller.phone)}.json`)), "the worker is gone")
      assert.deepStrictEqual(yield* redisKeysOf(`${at.prefix}:user-${seller.phone}-*`), [])
      const audit = yield* sql<{ action: string; userId: string | null; details: unknown }>`SELECT action, user_id, details FROM audit_log`
      const deleted = audit.filter((entry) => entry.action === "seller-deleted")
      assert.strictEqual(deleted.length, 1)
      assert.isNull(deleted[0]?.userId)
      const everything = JSON.stringify(audit)
      for (const secret of [String(seller.chatId), seller.phone, "Vendedora"]) assert.notInclude(everything, secret)

      // The old confirmation pressed again erases nothing more: the seller it would act on is new, and was never asked.
      yield* press(user, again, "Apagar tudo", includes("expirou"))
      const [entries] = yield* sql<{ count: bigint }>`SELECT count(*) FROM audit_log WHERE action = 'seller-deleted'`
      assert.strictEqual(Number(entries?.count), 1)

      // The seller comes back: a new seller, with nothing of before.
      const before2 = yield* lastMessageId(api, seller.chatId)
      yield* api.sendText(user, "/start")
      yield* api.awaitMessage(seller.chatId, newerThan(before2)(includes("Eu sou o Vigia")))
      const [fresh] = yield* sql<{ id: string; phoneNumber: string | null }>`
        SELECT id, phone_number FROM users WHERE telegram_user_id = ${seller.chatId}`
      assert.notStrictEqual(fresh?.id, seller.userId)
      assert.isNull(fresh?.phoneNumber)
      yield* exchange(user, "/plano", includes("Gratuito"))
    }), 180_000)

  it.effect("pooled (3 accounts to a process), /apagar deletes the seller's folder in the pools' data; no pool is left running", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const seller = yield* seedSeller(pooledAt, { plan: "basic" })
      const user: FakeUser = { id: seller.chatId, first_name: "Vendedora" }
      yield* ControlProcess.start(environment(pooledAt, api, yield* TestDatabase))
      yield* ready(pooledAt, seller, "5 seconds")
      const folder = accountFolder(pooledAt, seller.phone)
      assert.include(folder, `vigia-session-${poolsData(spaceOf(pooledAt.prefix))}-data`)
      assert.isTrue(Fs.existsSync(Path.join(folder, "database")))
      assert.lengthOf(poolRecords(pooledAt.workersRoot), 1, "the seller's account runs in a pool")

      const question = yield* exchange(user, "/apagar", includes("Apagar todos os seus dados do Vigia?"))
      yield* press(user, question, "Apagar tudo", includes("Seus dados foram apagados"), "60 seconds")
      assert.strictEqual(yield* rowsOf(seller), 0)
      assert.isFalse(Fs.existsSync(folder), "the account's folder in the pools' data is gone")
      // Its pool stopped with its last account; the one started for the erasure stopped after it.
      assert.deepStrictEqual(poolRecords(pooledAt.workersRoot), [])
      assert.deepStrictEqual(yield* redisKeysOf(`${pooledAt.prefix}:user-999*-note-erase*`), [])
    }), 120_000)
})
