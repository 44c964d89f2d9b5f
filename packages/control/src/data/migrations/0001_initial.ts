/**
 * Migration 1: users, subscriptions, active groups, price tables, sessions, processed
 * messages and the audit log, with an index for every lookup the services make.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      telegram_user_id bigint NOT NULL UNIQUE,
      phone_number text UNIQUE,
      telegram_account_id bigint,
      first_name text NOT NULL,
      last_name text,
      username text,
      language_code text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`

  yield* sql`
    CREATE TABLE subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
      plan text NOT NULL CHECK (plan IN ('free', 'basic', 'premium')),
      feature_overrides jsonb NOT NULL DEFAULT '{}',
      expires_at timestamptz,
      is_active boolean NOT NULL DEFAULT true,
      payment_reference text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`

  yield* sql`
    CREATE TABLE active_groups (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      group_id bigint NOT NULL,
      title text,
      auto_reply boolean NOT NULL DEFAULT false,
      activated_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, group_id)
    )`

  yield* sql`
    CREATE TABLE price_items (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      position integer NOT NULL,
      name text NOT NULL,
      aliases text[] NOT NULL DEFAULT '{}',
      unit text NOT NULL,
      price_centavos bigint NOT NULL CHECK (price_centavos >= 0),
      PRIMARY KEY (user_id, position)
    )`

  yield* sql`
    CREATE TABLE sessions (
      phone_number text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      runtime text NOT NULL,
      runtime_ref text,
      desired_state text NOT NULL CHECK (desired_state IN ('running', 'stopped')),
      observed_state text NOT NULL,
      last_heartbeat_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX sessions_user_id ON sessions (user_id)`
  yield* sql`CREATE INDEX sessions_desired_heartbeat ON sessions (desired_state, last_heartbeat_at)`
  yield* sql`CREATE INDEX sessions_observed_state ON sessions (observed_state)`

  yield* sql`
    CREATE TABLE processed_messages (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      chat_id bigint NOT NULL,
      message_id bigint NOT NULL,
      processed_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, chat_id, message_id)
    )`
  yield* sql`CREATE INDEX processed_messages_processed_at ON processed_messages (processed_at)`

  yield* sql`
    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      action text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX audit_log_user_at ON audit_log (user_id, at DESC, id DESC)`
})
