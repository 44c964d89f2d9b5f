/**
 * Migration 6: what the periodic plan check told each seller (an expiry coming, a plan enforced), once per version
 * of their subscription and plan in force, so a notice is given once and not on every pass.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE plan_notices (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('expiry-warning', 'plan-enforced')),
      terms_version timestamptz NOT NULL,
      plan text NOT NULL,
      told_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, kind, terms_version, plan)
    )`
})
