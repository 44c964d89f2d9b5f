/**
 * The control plane's schema: forward-only migrations, run at start-up inside one transaction
 * holding a PostgreSQL advisory lock, so replicas starting together apply them exactly once.
 */
import { Effect, Layer, Schema } from "effect"
import * as Migrator from "effect/sql/Migrator"
import { SqlClient } from "effect/sql"
import initial from "./migrations/0001_initial.ts"
import conversations from "./migrations/0002_conversations.ts"
import orders from "./migrations/0003_orders.ts"
import loginSessions from "./migrations/0004_login_sessions.ts"
import planNotices from "./migrations/0006_plan_notices.ts"
import tablesAndPayments from "./migrations/0008_tables_and_payments.ts"
import sellerSettings from "./migrations/0009_seller_settings_and_retention.ts"
import sessionNodes from "./migrations/0010_session_nodes.ts"
import orderHistory from "./migrations/0012_order_history.ts"
import workerNodes from "./migrations/0013_worker_nodes.ts"

const migrations = {
  "0001_initial": initial,
  "0002_conversations": conversations,
  "0003_orders": orders,
  "0004_login_sessions": loginSessions,
  "0006_plan_notices": planNotices,
  "0008_tables_and_payments": tablesAndPayments,
  "0009_seller_settings_and_retention": sellerSettings,
  "0010_session_nodes": sessionNodes,
  "0012_order_history": orderHistory,
  "0013_worker_nodes": workerNodes
}

/** The number of every migration, in order. */
export const ids: ReadonlyArray<number> = Object.keys(migrations).map((name) => Number(name.slice(0, 4)))

const loader = Migrator.fromRecord(migrations)

const migrate = Migrator.make({})

/**
 * Transaction-scoped (`pg_advisory_xact_lock`), so it is released at commit and also works
 * behind a transaction-mode pooler such as Neon's, where a session lock could leak.
 */
const lockKey = 0x56494749 // "VIGI"

export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  message: Schema.String,
  cause: Schema.Defect()
}) {}

/** Applies the pending migrations and returns them (`[id, name]`); a second run returns none. */
export const run = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.withTransaction(
    sql`SELECT pg_advisory_xact_lock(${lockKey})`.pipe(Effect.andThen(migrate({ loader })))
  )
}).pipe(
  Effect.mapError((cause) => new MigrationFailed({ message: `migrations failed: ${cause.message}`, cause })),
  Effect.withSpan("Migrations.run")
)

/** Runs the migrations while the layer is built, before anything that reads the tables. */
export const layer = Layer.effectDiscard(
  run.pipe(
    Effect.tap((applied) =>
      Effect.logInfo("database schema is up to date").pipe(
        Effect.annotateLogs({ applied: applied.map(([id, name]) => `${id}_${name}`).join(", ") || "none" })
      )
    )
  )
)
