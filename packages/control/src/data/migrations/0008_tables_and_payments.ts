/**
 * Migration 8: the versions of each seller's price table that `/desfazer` goes back to, the changes waiting for the
 * seller's confirmation button, the plan invoices the bot sent, and the Telegram Stars payments it received (one row
 * per Telegram charge id, which is what makes crediting a payment idempotent).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE price_table_history (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      items jsonb NOT NULL,
      replaced_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX price_table_history_user ON price_table_history (user_id, id DESC)`

  yield* sql`
    CREATE TABLE price_table_drafts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      question uuid NOT NULL,
      change text NOT NULL CHECK (change IN ('replace', 'price', 'remove')),
      base_fingerprint text NOT NULL,
      items jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX price_table_drafts_user ON price_table_drafts (user_id, created_at)`

  yield* sql`
    CREATE TABLE plan_invoices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      plan text NOT NULL CHECK (plan IN ('basic', 'premium')),
      days integer NOT NULL CHECK (days > 0),
      stars integer NOT NULL CHECK (stars > 0),
      created_at timestamptz NOT NULL
    )`

  yield* sql`
    CREATE TABLE star_payments (
      charge_id text PRIMARY KEY,
      invoice_id uuid REFERENCES plan_invoices (id) ON DELETE SET NULL,
      user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      telegram_user_id bigint NOT NULL,
      plan text CHECK (plan IN ('basic', 'premium')),
      days integer,
      stars integer NOT NULL,
      status text NOT NULL CHECK (status IN ('credited', 'unmatched', 'refunded')),
      paid_at timestamptz NOT NULL,
      refunded_at timestamptz
    )`
  yield* sql`CREATE INDEX star_payments_user ON star_payments (user_id, paid_at DESC)`
})
