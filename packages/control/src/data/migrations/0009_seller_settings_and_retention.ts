/**
 * Migration 9: each seller's settings (their time zone, the hour of their daily summary, the last day a summary was
 * claimed for them, and whether Telegram refused it because they blocked the bot), and when each ledger row's
 * customer details were anonymised, so the retention job passes over a row once.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE seller_settings (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      time_zone text NOT NULL DEFAULT 'America/Sao_Paulo',
      summary_hour smallint CHECK (summary_hour BETWEEN 0 AND 23),
      summary_minute smallint NOT NULL DEFAULT 0 CHECK (summary_minute BETWEEN 0 AND 59),
      summary_last_day date,
      summary_blocked_at timestamptz,
      updated_at timestamptz NOT NULL
    )`
  // What the summary job scans every pass: the sellers who asked for one and still receive the bot's messages.
  yield* sql`
    CREATE INDEX seller_settings_summaries ON seller_settings (user_id)
    WHERE summary_hour IS NOT NULL AND summary_blocked_at IS NULL`

  yield* sql`ALTER TABLE orders ADD COLUMN anonymised_at timestamptz`
  // What the retention job scans: rows not anonymised yet, oldest first.
  yield* sql`CREATE INDEX orders_to_anonymise ON orders (received_at, id) WHERE anonymised_at IS NULL`
})
