import { assert, layer } from "@effect/vitest"
import { PriceItem } from "@vigia/domain/PriceTable"
import { Effect, Layer, Schema } from "effect"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { UserId } from "../../src/data/UserId.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const item = Schema.decodeSync(PriceItem)

const tableA = [
  item({ name: "Coca-Cola 2L", aliases: ["coca", "coca 2l", "refri"], unit: "un", price: 1200 }),
  item({ name: "Pão de queijo 'mineiro' 🧀", aliases: [], unit: "kg", price: 4590 }),
  item({ name: "Açaí; DROP TABLE price_items;--", aliases: ["a\"çaí", "{x,y}"], unit: "l", price: 2_000_000_000_000 })
]

const tableB = [
  item({ name: "Ovos", aliases: ["dúzia de ovos"], unit: "dz", price: 1500 }),
  item({ name: "Leite", aliases: ["leite integral"], unit: "l", price: 650 })
]

const services = Layer.mergeAll(PriceTables.layer, Users.layer, Subscriptions.layer, AuditLog.layer)

layer(services.pipe(Layer.provideMerge(TestDatabase.layer)))("PriceTables", (it) => {
  it.effect("a table is read back verbatim and in order; a replacement replaces it whole", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const seller = yield* newSeller("basic")
      assert.deepStrictEqual(yield* tables.get(seller.id), [])
      yield* tables.replace(seller.id, tableA)
      assert.deepStrictEqual(yield* tables.get(seller.id), tableA)
      yield* tables.replace(seller.id, tableB)
      assert.deepStrictEqual(yield* tables.get(seller.id), tableB)
      yield* tables.replace(seller.id, [])
      assert.deepStrictEqual(yield* tables.get(seller.id), [])
      const audit = yield* AuditLog
      assert.deepStrictEqual(
        (yield* audit.recent(seller.id, 10)).filter((entry) => entry.action === "price-table-replaced")
          .map((entry) => entry.details["items"]),
        [0, 2, 3]
      )
    }))

  it.effect("concurrent replacements leave one whole table, never a mix", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const seller = yield* newSeller("basic")
      yield* Effect.all(
        Array.from({ length: 10 }, (_, n) => tables.replace(seller.id, n % 2 === 0 ? tableA : tableB)),
        { concurrency: "unbounded" }
      )
      const read = yield* tables.get(seller.id)
      assert.isTrue(
        JSON.stringify(read) === JSON.stringify(tableA) || JSON.stringify(read) === JSON.stringify(tableB),
        `a mixed table: ${JSON.stringify(read.map((entry) => entry.name))}`
      )
    }))

  it.effect("tables belong to their seller", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const first = yield* newSeller("basic")
      const second = yield* newSeller("basic")
      yield* tables.replace(first.id, tableA)
      yield* tables.replace(second.id, tableB)
      assert.deepStrictEqual(yield* tables.get(first.id), tableA)
      assert.deepStrictEqual(yield* tables.get(second.id), tableB)
    }))

  it.effect("replacing the table of an unknown user is a typed refusal", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const nobody = Schema.decodeSync(UserId)("00000000-0000-4000-8000-000000000002")
      const error = yield* Effect.flip(tables.replace(nobody, tableB))
      assert.strictEqual(error._tag === "PriceTablesError" && error.reason._tag, "UserNotFound")
    }))
})
