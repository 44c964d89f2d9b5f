/**
 * Migration 2: the step each seller is in with the bot, so a login or a price-table upload
 * survives a restart of the control plane. Login codes and passwords are never stored here.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE conversations (
      telegram_user_id bigint PRIMARY KEY,
      step jsonb NOT NULL,
      phone_number text,
      updated_at timestamptz NOT NULL
    )`

  yield* sql`CREATE INDEX conversations_phone_number_idx ON conversations (phone_number) WHERE phone_number IS NOT NULL`
})
