/**
 * Changes to a seller's price table that wait for the seller's confirmation button: the whole table as it would be,
 * and the fingerprint of the table it was computed from, so a confirmation applies exactly what the seller was shown
 * or nothing (when the table changed in between).
 */
import type { PriceItem } from "@vigia/domain/PriceTable"
import { Context, DateTime, Duration, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import {
  decodeItemsJson,
  encodeItemsJson,
  fingerprint,
  PriceTables,
  type PriceTablesError,
  type TableChange
} from "./PriceTables.ts"
import type { UserId } from "./UserId.ts"

/** A change waiting this long is dropped. */
export const draftTimeToLive = Duration.days(1)

/** The kinds of change that wait for a confirmation (an undo never does). */
export type DraftChange = Exclude<TableChange, "undo">

/** What confirming a draft did. */
export type Confirmation =
  /** The table is now the draft's; `before` is the one it replaced. */
  | { readonly _tag: "Applied"; readonly change: DraftChange; readonly before: ReadonlyArray<PriceItem>; readonly after: ReadonlyArray<PriceItem> }
  /** The table changed after the draft was shown: nothing was applied. */
  | { readonly _tag: "Stale" }
  /** No such draft (already confirmed, cancelled, expired, or another option of the same question was chosen). */
  | { readonly _tag: "Gone" }

const DraftRow = Schema.Struct({
  change: Schema.Literals(["replace", "price", "remove"]),
  baseFingerprint: Schema.String,
  items: Schema.Unknown
})
const decodeDraft = Schema.decodeUnknownEffect(DraftRow)

/** One answer the seller may give: the table `change` would leave. */
export interface DraftOption {
  readonly change: DraftChange
  readonly items: ReadonlyArray<PriceItem>
}

export class PriceTableDrafts extends Context.Service<PriceTableDrafts, {
  /**
   * Keeps the options of one question to the seller, each the table it would leave from `base` (the table the seller
   * was shown); their ids, in order.
   */
  readonly propose: (
    userId: UserId,
    base: ReadonlyArray<PriceItem>,
    options: ReadonlyArray<DraftOption>
  ) => Effect.Effect<ReadonlyArray<number>, DatabaseError>
  /** Applies the draft if the table is still the one it was computed from; the seller's other drafts go with it. */
  readonly confirm: (userId: UserId, draftId: number) => Effect.Effect<Confirmation, PriceTablesError | DatabaseError>
  /** Drops the draft and the other options of its question; whether there was one. */
  readonly discard: (userId: UserId, draftId: number) => Effect.Effect<boolean, DatabaseError>
}>()("@vigia/control/data/PriceTableDrafts") {
  static readonly layer = Layer.effect(
    PriceTableDrafts,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const tables = yield* PriceTables

      const propose = Effect.fn("PriceTableDrafts.propose")(
        function*(userId: UserId, base: ReadonlyArray<PriceItem>, options: ReadonlyArray<DraftOption>) {
          const now = yield* DateTime.nowAsDate
          const expired = new Date(now.getTime() - Duration.toMillis(draftTimeToLive))
          const question = Crypto.randomUUID()
          const baseFingerprint = fingerprint(base)
          yield* sql`DELETE FROM price_table_drafts WHERE user_id = ${userId} AND created_at < ${expired}`
          return yield* Effect.forEach(options, (option) =>
            Effect.gen(function*() {
              const [row] = yield* sql<{ readonly id: bigint }>`
                INSERT INTO price_table_drafts (user_id, question, change, base_fingerprint, items, created_at)
                VALUES (${userId}, ${question}, ${option.change}, ${baseFingerprint}, ${yield* encodeItemsJson(option.items)}, ${now})
                RETURNING id`
              return Number(row?.id)
            }))
        },
        orDatabaseError
      )

      const confirm = Effect.fn("PriceTableDrafts.confirm")(function*(userId: UserId, draftId: number) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          // The user's row first, as every change of the table locks it: concurrent confirmations wait here.
          yield* sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`
          const [row] = yield* sql`
            SELECT change, base_fingerprint, items FROM price_table_drafts WHERE id = ${draftId} AND user_id = ${userId}`
          if (row === undefined) return { _tag: "Gone" } satisfies Confirmation
          const draft = yield* decodeDraft(row)
          const before = yield* tables.get(userId)
          // Whatever happens next, the seller's pending questions are answered by this one.
          yield* sql`DELETE FROM price_table_drafts WHERE user_id = ${userId}`
          if (fingerprint(before) !== draft.baseFingerprint) return { _tag: "Stale" } satisfies Confirmation
          const after = yield* decodeItemsJson(draft.items)
          yield* tables.replace(userId, after, draft.change)
          return { _tag: "Applied", change: draft.change, before, after } satisfies Confirmation
        }))
      }, orDatabaseError)

      const discard = Effect.fn("PriceTableDrafts.discard")(function*(userId: UserId, draftId: number) {
        const deleted = yield* sql`
          DELETE FROM price_table_drafts WHERE user_id = ${userId} AND question = (
            SELECT question FROM price_table_drafts WHERE id = ${draftId} AND user_id = ${userId})
          RETURNING id`
        return deleted.length > 0
      }, orDatabaseError)

      return PriceTableDrafts.of({ propose, confirm, discard })
    })
  )
}
