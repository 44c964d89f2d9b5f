/**
 * Migration 3: the order ledger. One row per order revision, written in the transaction that claims the message
 * (it replaces `processed_messages`, whose claims are carried over), with the state of each delivery step, its
 * failures, the outbox lease, and the order's trace; and the price table's version, so a matcher is rebuilt only
 * when the table changed.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE orders (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      phone_number text NOT NULL,
      chat_id bigint NOT NULL,
      message_id bigint NOT NULL,
      revision integer NOT NULL CHECK (revision >= 0),
      edit_date bigint,
      seller_chat_id bigint NOT NULL,
      group_title text NOT NULL,
      customer_id bigint NOT NULL,
      customer_name text NOT NULL,
      text text NOT NULL,
      quote json NOT NULL,
      total_centavos bigint NOT NULL CHECK (total_centavos >= 0),
      received_at timestamptz NOT NULL,
      report_state text NOT NULL CHECK (report_state IN ('pending', 'reported', 'undelivered', 'carried-over')),
      reported_at timestamptz,
      report_attempts integer NOT NULL DEFAULT 0,
      report_failure text,
      report_failed_at timestamptz,
      reply_state text NOT NULL CHECK (reply_state IN ('none', 'pending', 'sending', 'sent', 'failed')),
      reply_text text,
      reply_not_before timestamptz,
      replied_in_group_at timestamptz,
      reply_attempts integer NOT NULL DEFAULT 0,
      reply_failure text,
      reply_failed_at timestamptz,
      lease_owner uuid,
      lease_until timestamptz,
      trace_parent text,
      CONSTRAINT orders_revision_key UNIQUE (user_id, chat_id, message_id, revision)
    )`
  // An edit delivered twice is one revision; the orders as first written (most rows) need no entry.
  yield* sql`
    CREATE UNIQUE INDEX orders_edit_key ON orders (user_id, chat_id, message_id, edit_date) WHERE edit_date IS NOT NULL`
  // What the outbox scans: orders with a step still to do, by lease.
  yield* sql`
    CREATE INDEX orders_due ON orders (lease_until NULLS FIRST, id)
    WHERE report_state = 'pending' OR reply_state IN ('pending', 'sending')`
  yield* sql`CREATE INDEX orders_undelivered ON orders (user_id) WHERE report_state = 'undelivered'`

  // The claims of the previous version: messages it handled, content unknown, kept so a redelivery stays handled.
  yield* sql`
    INSERT INTO orders (
      user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id, customer_name,
      text, quote, total_centavos, received_at, report_state, reply_state
    )
    SELECT p.user_id, coalesce(u.phone_number, ''), p.chat_id, p.message_id, 0, u.telegram_user_id, '', 0, '',
      '', '{"priced": [], "unmatched": [], "total": 0}', 0, p.processed_at, 'carried-over', 'none'
    FROM processed_messages p JOIN users u ON u.id = p.user_id`
  yield* sql`DROP TABLE processed_messages`

  yield* sql`ALTER TABLE users ADD COLUMN price_table_version integer NOT NULL DEFAULT 0`
})
