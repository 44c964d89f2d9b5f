/**
 * Migration 12: the seller's order history (`/pedidos`, `/exportar`) reads their orders by when they arrived; the
 * claims carried over from the first version have no content and are never read there.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX orders_history ON orders (user_id, received_at) WHERE report_state <> 'carried-over'`
})
