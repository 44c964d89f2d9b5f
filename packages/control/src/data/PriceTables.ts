/**
 * Sellers' price tables: read in the seller's order, and replaced whole in one transaction
 * so an order is never priced against half of an old table and half of a new one.
 */
import { PriceItem, Unit } from "@vigia/domain/PriceTable"
import { Array as Arr, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "./AuditLog.ts"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { UserId, UserNotFound } from "./UserId.ts"

export class PriceTablesError extends Schema.TaggedError<PriceTablesError>()("PriceTablesError", {
  reason: Schema.Union([UserNotFound])
}) {}

/** A `price_items` row selected with `price_centavos AS price`, decoded into the domain's item. */
const PriceItemFromRow = Schema.Struct({
  name: Schema.String,
  aliases: Schema.Array(Schema.String),
  unit: Unit,
  price: SafeIntFromInt8
}).pipe(Schema.decodeTo(PriceItem))

const decodeItems = Schema.decodeUnknownEffect(Schema.Array(PriceItemFromRow))

export class PriceTables extends Context.Service<PriceTables, {
  /** The seller's items in the order they were given; empty when the seller has no table. */
  readonly get: (userId: UserId) => Effect.Effect<ReadonlyArray<PriceItem>, DatabaseError>
  /** Replaces the whole table atomically, audited as `price-table-replaced`. */
  readonly replace: (
    userId: UserId,
    items: ReadonlyArray<PriceItem>
  ) => Effect.Effect<void, PriceTablesError | DatabaseError>
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

      const replace = Effect.fn("PriceTables.replace")(function*(userId: UserId, items: ReadonlyArray<PriceItem>) {
        yield* sql.withTransaction(Effect.gen(function*() {
          // Updating the user locks it, serialising concurrent replacements; the version tells order readers the table changed.
          const [user] = yield* sql`
            UPDATE users SET price_table_version = price_table_version + 1 WHERE id = ${userId} RETURNING id`
          if (user === undefined) {
            return yield* new PriceTablesError({ reason: new UserNotFound({ message: `no user with id ${userId}` }) })
          }
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
          yield* audit.append({ userId, action: "price-table-replaced", details: { items: items.length } })
        }))
      }, orDatabaseError)

      return PriceTables.of({ get, replace })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
