/**
 * The ledger's retention: past the retention period, what identifies a customer in an order (their name, their
 * Telegram id, their message, and their own words inside the quote's lines) is blanked, a batch at a time. Rows whose
 * delivery is not done yet are left for a later pass; a row is anonymised once (`anonymised_at`).
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"

const decodeCount = Schema.decodeUnknownEffect(Schema.Struct({ count: SafeIntFromInt8 }))

export class OrderRetention extends Context.Service<OrderRetention, {
  /** Anonymises at most `batch` rows received before `before`, oldest first: how many it did. */
  readonly anonymise: (before: Date, batch: number) => Effect.Effect<number, DatabaseError>
}>()("@vigia/control/data/OrderRetention") {
  static readonly layer = Layer.effect(
    OrderRetention,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      /** The lines of a quote with the customer's words (`line.text`, `line.product`) blanked; prices stay. */
      const blanked = (lines: string) => sql`
        coalesce((
          SELECT json_agg(jsonb_set(jsonb_set(line, '{line,text}', '""'), '{line,product}', '""'))
          FROM jsonb_array_elements(o.quote::jsonb -> ${lines}) line
        ), '[]'::json)`

      const anonymise = Effect.fn("OrderRetention.anonymise")(function*(before: Date, batch: number) {
        const [row] = yield* sql`
          WITH batch AS (
            SELECT id FROM orders
            WHERE anonymised_at IS NULL AND received_at < ${before}
              AND report_state <> 'pending' AND reply_state NOT IN ('pending', 'sending')
            ORDER BY received_at, id
            LIMIT ${batch}
            FOR UPDATE SKIP LOCKED
          ),
          done AS (
            UPDATE orders o SET customer_name = '', customer_id = 0, text = '', anonymised_at = now(),
              quote = json_build_object('priced', ${blanked("priced")}, 'unmatched', ${blanked("unmatched")},
                'total', o.quote -> 'total')
            FROM batch WHERE o.id = batch.id
            RETURNING o.id
          )
          SELECT count(*) AS count FROM done`
        return (yield* decodeCount(row)).count
      }, orDatabaseError)

      return OrderRetention.of({ anonymise })
    })
  )
}
