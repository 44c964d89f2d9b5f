/**
 * Migration 13: the Swarm node each worker that is no account (a pool, which hosts several accounts) is pinned to,
 * where the volume holding its accounts' folders lives; a row only while a node is recorded. Numbered after 0012:
 * a database that already ran 0012 would never run an 0011 merged later.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE worker_nodes (
      name text PRIMARY KEY,
      node_id text NOT NULL,
      updated_at timestamptz NOT NULL
    )`
})
