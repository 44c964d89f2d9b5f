/**
 * A seller's data erased at their request (LGPD), in one transaction: their price table and its history, groups,
 * order ledger, conversation, login sessions, plan notices, invoices, settings, audit entries and their user row.
 * Payments stay for accounting and refunds, anonymised (no user, no Telegram id); the audit log keeps one entry,
 * `seller-deleted`, under a random reference that names no one.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import { AuditLog } from "./AuditLog.ts"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import type { UserId } from "./UserId.ts"

/** How many rows of each kind went (payments: kept, anonymised). */
export const Erased = Schema.Struct({
  priceItems: SafeIntFromInt8,
  priceVersions: SafeIntFromInt8,
  groups: SafeIntFromInt8,
  orders: SafeIntFromInt8,
  sessions: SafeIntFromInt8,
  conversations: SafeIntFromInt8,
  auditEntries: SafeIntFromInt8,
  paymentsAnonymised: SafeIntFromInt8
})
export type Erased = typeof Erased.Type

const decodeErased = Schema.decodeUnknownEffect(Erased)

export class SellerErasure extends Context.Service<SellerErasure, {
  /**
   * Erases the seller `userId` (Telegram id `telegramUserId`): what went, and the audit entry's reference. A seller
   * erased already erases nothing again.
   */
  readonly erase: (userId: UserId, telegramUserId: number) => Effect.Effect<{
    readonly erased: Erased
    readonly reference: string
  }, DatabaseError>
}>()("@vigia/control/data/SellerErasure") {
  static readonly layer = Layer.effect(
    SellerErasure,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog

      const erase = Effect.fn("SellerErasure.erase")(function*(userId: UserId, telegramUserId: number) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          // Counted first: the user row's deletion cascades to the rest.
          const [counts] = yield* sql`
            SELECT
              (SELECT count(*) FROM price_items WHERE user_id = ${userId}) AS price_items,
              (SELECT count(*) FROM price_table_history WHERE user_id = ${userId}) AS price_versions,
              (SELECT count(*) FROM active_groups WHERE user_id = ${userId}) AS groups,
              (SELECT count(*) FROM orders WHERE user_id = ${userId}) AS orders,
              (SELECT count(*) FROM sessions WHERE user_id = ${userId}) AS sessions,
              (SELECT count(*) FROM conversations WHERE telegram_user_id = ${telegramUserId}) AS conversations,
              (SELECT count(*) FROM audit_log WHERE user_id = ${userId}) AS audit_entries,
              (SELECT count(*) FROM star_payments WHERE user_id = ${userId} OR telegram_user_id = ${telegramUserId})
                AS payments_anonymised`
          const erased = yield* decodeErased(counts)
          yield* sql`
            UPDATE star_payments SET user_id = NULL, telegram_user_id = 0
            WHERE user_id = ${userId} OR telegram_user_id = ${telegramUserId}`
          yield* sql`DELETE FROM audit_log WHERE user_id = ${userId}`
          // Administrators' entries that named the seller keep what they did, not whom it was done to.
          yield* sql`
            UPDATE audit_log SET details = details - 'target'
            WHERE details ->> 'target' = ${String(telegramUserId)}`
          yield* sql`DELETE FROM conversations WHERE telegram_user_id = ${telegramUserId}`
          // Everything else of the seller references their row, and goes with it.
          yield* sql`DELETE FROM users WHERE id = ${userId}`
          const reference = Crypto.randomUUID()
          yield* audit.append({ userId: null, action: "seller-deleted", details: { reference, ...erased } })
          return { erased, reference }
        }))
      }, orDatabaseError)

      return SellerErasure.of({ erase })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
