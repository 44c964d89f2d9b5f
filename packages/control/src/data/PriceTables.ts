/**
 * Sellers' price tables: read in the seller's order, and replaced whole in one transaction so an order is never
 * priced against half of an old table and half of a new one; every change keeps the table it replaced, so `undo`
 * goes back one change at a time.
 */
import { PriceItem, Unit } from "@vigia/domain/PriceTable"
import { Array as Arr, Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import { type AuditAction, AuditLog } from "./AuditLog.ts"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { UserId, UserNotFound } from "./UserId.ts"

export class PriceTablesError extends Schema.TaggedError<PriceTablesError>()("PriceTablesError", {
  reason: Schema.Union([UserNotFound])
}) {}

/** How a table changed: replaced whole, one product's price set (or a product added), one removed, or undone. */
export const TableChange = Schema.Literals(["replace", "price", "remove", "undo"])
export type TableChange = typeof TableChange.Type

const auditActions: Record<TableChange, AuditAction> = {
  replace: "price-table-replaced",
  price: "price-item-set",
  remove: "price-item-removed",
  undo: "price-table-restored"
}

/** How many earlier versions of a table are kept for `undo`. */
export const historyDepth = 20

/** A `price_items` row selected with `price_centavos AS price`, decoded into the domain's item. */
const PriceItemFromRow = Schema.Struct({
  name: Schema.String,
  aliases: Schema.Array(Schema.String),
  unit: Unit,
  price: SafeIntFromInt8
}).pipe(Schema.decodeTo(PriceItem))

const decodeItems = Schema.decodeUnknownEffect(Schema.Array(PriceItemFromRow))

/** A table as it is kept in a `jsonb` column (history, drafts). */
export const ItemsJson = Schema.Array(PriceItem)
export const decodeItemsJson = Schema.decodeUnknownEffect(ItemsJson)
export const encodeItemsJson = (items: ReadonlyArray<PriceItem>) =>
  Schema.encodeEffect(Schema.fromJsonString(ItemsJson))(items)

/** What identifies a table's content: equal for equal tables, different as soon as one product differs. */
export const fingerprint = (items: ReadonlyArray<PriceItem>): string =>
  Crypto.createHash("sha256")
    .update(JSON.stringify(items.map((item) => [item.name, item.aliases, item.unit, item.price])))
    .digest("base64url")

/** What `undo` did: the table as it was (`before`) and the one it brought back (`after`). */
export interface Restored {
  readonly before: ReadonlyArray<PriceItem>
  readonly after: ReadonlyArray<PriceItem>
}

export class PriceTables extends Context.Service<PriceTables, {
  /** The seller's items in the order they were given; empty when the seller has no table. */
  readonly get: (userId: UserId) => Effect.Effect<ReadonlyArray<PriceItem>, DatabaseError>
  /**
   * Replaces the whole table atomically, keeping the one it replaces for `undo` (unless nothing changed), audited by
   * how it changed (`price-table-replaced`, `price-item-set`, `price-item-removed`).
   */
  readonly replace: (
    userId: UserId,
    items: ReadonlyArray<PriceItem>,
    change?: TableChange
  ) => Effect.Effect<void, PriceTablesError | DatabaseError>
  /** Brings back the table as it was before the last change, audited as `price-table-restored`; none when no change is kept. */
  readonly undo: (userId: UserId) => Effect.Effect<Option.Option<Restored>, PriceTablesError | DatabaseError>
}>()("@vigia/control/data/PriceTables") {
  static readonly layer = Layer.effect(
    PriceTables,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog

      const get = Effect.fn("PriceTables.get")(function*(userId: UserId) {
        return yield* decodeItems(
          yield* sql`
            SELECT name, aliases, unit, price_centavos AS price FROM price_items
            WHERE user_id = ${userId} ORDER BY position`
        )
      }, orDatabaseError)

      /**
       * Locks the user's row (serialising every change of their table) and bumps their table's version, which tells
       * order readers the table changed; fails when there is no such user.
       */
      const lockUser = (userId: UserId) =>
        Effect.gen(function*() {
          const [user] = yield* sql`
            UPDATE users SET price_table_version = price_table_version + 1 WHERE id = ${userId} RETURNING id`
          if (user === undefined) {
            return yield* new PriceTablesError({ reason: new UserNotFound({ message: `no user with id ${userId}` }) })
          }
        })

      const write = (userId: UserId, items: ReadonlyArray<PriceItem>) =>
        Effect.gen(function*() {
          yield* sql`DELETE FROM price_items WHERE user_id = ${userId}`
          if (Arr.isReadonlyArrayNonEmpty(items)) {
            yield* sql`INSERT INTO price_items ${
              sql.insert(Arr.map(items, (item, position) => ({
                userId,
                position,
                name: item.name,
                aliases: [...item.aliases],
                unit: item.unit,
                priceCentavos: item.price
              })))
            }`
          }
        })

      const keep = (userId: UserId, items: ReadonlyArray<PriceItem>) =>
        Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          yield* sql`INSERT INTO price_table_history (user_id, items, replaced_at) VALUES (${userId}, ${yield* encodeItemsJson(items)}, ${now})`
          yield* sql`
            DELETE FROM price_table_history WHERE user_id = ${userId} AND id NOT IN (
              SELECT id FROM price_table_history WHERE user_id = ${userId} ORDER BY id DESC LIMIT ${historyDepth})`
        })

      const replace = Effect.fn("PriceTables.replace")(
        function*(userId: UserId, items: ReadonlyArray<PriceItem>, change: TableChange = "replace") {
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* lockUser(userId)
            const before = yield* get(userId)
            if (fingerprint(before) === fingerprint(items)) return
            yield* keep(userId, before)
            yield* write(userId, items)
            yield* audit.append({ userId, action: auditActions[change], details: { items: items.length, before: before.length } })
          }))
        },
        orDatabaseError
      )

      const undo = Effect.fn("PriceTables.undo")(function*(userId: UserId) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          yield* lockUser(userId)
          const [last] = yield* sql<{ readonly id: bigint; readonly items: unknown }>`
            SELECT id, items FROM price_table_history WHERE user_id = ${userId} ORDER BY id DESC LIMIT 1`
          if (last === undefined) return Option.none<Restored>()
          const before = yield* get(userId)
          const after = yield* decodeItemsJson(last.items)
          yield* sql`DELETE FROM price_table_history WHERE id = ${last.id}`
          yield* write(userId, after)
          yield* audit.append({ userId, action: auditActions.undo, details: { items: after.length, before: before.length } })
          return Option.some<Restored>({ before, after })
        }))
      }, orDatabaseError)

      return PriceTables.of({ get, replace, undo })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
