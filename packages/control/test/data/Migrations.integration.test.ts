import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Database } from "../../src/data/Database.ts"
import * as Migrations from "../../src/data/Migrations.ts"
import initial from "../../src/data/migrations/0001_initial.ts"
import conversations from "../../src/data/migrations/0002_conversations.ts"
import * as Migrator from "effect/sql/Migrator"
import { TestDatabase } from "../support/TestDatabase.ts"

const expectedTables = [
  "active_groups",
  "audit_log",
  "conversations",
  "effect_sql_migrations",
  "orders",
  "plan_invoices",
  "plan_notices",
  "price_items",
  "price_table_drafts",
  "price_table_history",
  "seller_settings",
  "sessions",
  "star_payments",
  "subscriptions",
  "users",
  "worker_nodes"
]

const expectedIndexes = [
  "active_groups_pkey",
  "audit_log_pkey",
  "audit_log_user_at",
  "conversations_phone_number_idx",
  "conversations_pkey",
  "orders_due",
  "orders_edit_key",
  "orders_history",
  "orders_pkey",
  "orders_revision_key",
  "orders_to_anonymise",
  "orders_undelivered",
  "plan_invoices_pkey",
  "plan_notices_pkey",
  "price_items_pkey",
  "price_table_drafts_pkey",
  "price_table_drafts_user",
  "price_table_history_pkey",
  "price_table_history_user",
  "seller_settings_pkey",
  "seller_settings_summaries",
  "sessions_desired_heartbeat",
  "sessions_desired_login_started",
  "sessions_observed_state",
  "sessions_pkey",
  "sessions_user_id",
  "star_payments_pkey",
  "star_payments_user",
  "subscriptions_pkey",
  "subscriptions_user_id_key",
  "users_phone_number_key",
  "users_pkey",
  "users_telegram_user_id_key",
  "worker_nodes_pkey"
]

const allMigrations: ReadonlyArray<readonly [number, string]> = [
  [1, "initial"],
  [2, "conversations"],
  [3, "orders"],
  [4, "login_sessions"],
  [6, "plan_notices"],
  [8, "tables_and_payments"],
  [9, "seller_settings_and_retention"],
  [10, "session_nodes"],
  [12, "order_history"],
  [13, "worker_nodes"]
]

const schemaShape = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql<{ tableName: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
  const indexes = yield* sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'effect_sql_migrations'
    ORDER BY indexname`
  const migrations = yield* sql<{ migrationId: number; name: string }>`
    SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id`
  return {
    tables: tables.map((row) => row.tableName),
    indexes: indexes.map((row) => row.indexname),
    migrations: migrations.map((row) => [row.migrationId, row.name])
  }
})

layer(TestDatabase.layerEmpty)("Migrations on an empty database", (it) => {
  it.effect("creates the schema, then a second run does nothing", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Migrations.run, allMigrations)
      assert.deepStrictEqual(yield* Migrations.run, [])
      const shape = yield* schemaShape
      assert.deepStrictEqual(shape.tables, expectedTables)
      assert.deepStrictEqual(shape.indexes, expectedIndexes)
      assert.deepStrictEqual(shape.migrations, allMigrations.map((migration) => [...migration]))
    }))
})

layer(TestDatabase.layerEmpty)("Migrations from two replicas at once", (it) => {
  it.effect("one replica applies them, the other waits and finds nothing to do", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase
      const replica = Migrations.run.pipe(
        Effect.provide(Layer.fresh(Database.layer({ url, poolSize: 2, startupTimeout: "5 seconds" })))
      )
      const results = yield* Effect.all([replica, replica], { concurrency: "unbounded" })
      assert.deepStrictEqual(results.map((applied) => applied.length).sort(), [0, allMigrations.length])
      const shape = yield* schemaShape
      assert.deepStrictEqual(shape.tables, expectedTables)
      assert.deepStrictEqual(shape.indexes, expectedIndexes)
      assert.deepStrictEqual(shape.migrations, allMigrations.map((migration) => [...migration]))
    }))
})

layer(TestDatabase.layerEmpty)("Migrations over the previous version's data", (it) => {
  it.effect("carries the claims of processed_messages over into the ledger, content unknown, and drops the table", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Migrator.make({})({ loader: Migrator.fromRecord({ "0001_initial": initial, "0002_conversations": conversations }) })
      const [user] = yield* sql<{ id: string }>`
        INSERT INTO users (telegram_user_id, phone_number, first_name, created_at, updated_at)
        VALUES (5000000777, '5511912345678', 'Ana', now(), now()) RETURNING id`
      yield* sql`
        INSERT INTO processed_messages (user_id, chat_id, message_id, processed_at)
        VALUES (${user?.id}, -1002001001001, 1048576, now())`

      assert.deepStrictEqual(yield* Migrations.run, allMigrations.filter(([id]) => id > 2).map((migration) => [...migration]))

      const rows = yield* sql<{ chatId: string; messageId: string; sellerChatId: string; reportState: string; replyState: string }>`
        SELECT chat_id, message_id, seller_chat_id, report_state, reply_state FROM orders`
      assert.deepStrictEqual(
        rows.map((row) => [Number(row.chatId), Number(row.messageId), Number(row.sellerChatId), row.reportState, row.replyState]),
        [[-1002001001001, 1048576, 5000000777, "carried-over", "none"]]
      )
      assert.notInclude((yield* schemaShape).tables, "processed_messages")
    }))
})
