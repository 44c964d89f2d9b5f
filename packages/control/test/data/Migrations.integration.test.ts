import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Database } from "../../src/data/Database.ts"
import * as Migrations from "../../src/data/Migrations.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const expectedTables = [
  "active_groups",
  "audit_log",
  "conversations",
  "effect_sql_migrations",
  "plan_invoices",
  "plan_notices",
  "price_items",
  "price_table_drafts",
  "price_table_history",
  "processed_messages",
  "sessions",
  "star_payments",
  "subscriptions",
  "users"
]

const expectedIndexes = [
  "active_groups_pkey",
  "audit_log_pkey",
  "audit_log_user_at",
  "conversations_phone_number_idx",
  "conversations_pkey",
  "plan_invoices_pkey",
  "plan_notices_pkey",
  "price_items_pkey",
  "price_table_drafts_pkey",
  "price_table_drafts_user",
  "price_table_history_pkey",
  "price_table_history_user",
  "processed_messages_pkey",
  "processed_messages_processed_at",
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
  "users_telegram_user_id_key"
]

const allMigrations: ReadonlyArray<readonly [number, string]> = [
  [1, "initial"],
  [2, "conversations"],
  [4, "login_sessions"],
  [6, "plan_notices"],
  [8, "tables_and_payments"]
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
