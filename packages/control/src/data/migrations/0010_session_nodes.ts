/**
 * Migration 10: the Swarm node each session's worker is pinned to, where its volume (its login) lives; `NULL` until
 * its worker first runs, and again once it is moved off a drained or removed node.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE sessions ADD COLUMN node_id text`
})
