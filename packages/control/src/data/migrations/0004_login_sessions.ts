/**
 * Migration 4: when each session's login began, so a login left unfinished is stopped once its time runs out,
 * also after a restart of the control plane. Sessions from before count from their last change.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`ALTER TABLE sessions ADD COLUMN login_started_at timestamptz`
  yield* sql`UPDATE sessions SET login_started_at = updated_at`
  yield* sql`CREATE INDEX sessions_desired_login_started ON sessions (desired_state, login_started_at)`
})
