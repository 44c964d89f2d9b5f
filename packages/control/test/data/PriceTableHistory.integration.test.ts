import { assert, layer } from "@effect/vitest"
import { PriceItem, withItem } from "@vigia/domain/PriceTable"
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { repositories } from "../../src/data/layer.ts"
import { PriceTableDrafts } from "../../src/data/PriceTableDrafts.ts"
import { historyDepth, PriceTables } from "../../src/data/PriceTables.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const item = Schema.decodeSync(PriceItem)
const table = (...prices: ReadonlyArray<number>) =>
  prices.map((price, n) => item({ name: `Produto ${n}`, aliases: [], unit: "un", price }))

layer(repositories.pipe(Layer.provideMerge(TestDatabase.layer)))("a price table's history and pending changes", (it) => {
  it.effect("undo goes back one change at a time, up to the kept depth, and a change to the same table keeps nothing", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const seller = yield* newSeller("basic")
      assert.isTrue(Option.isNone(yield* tables.undo(seller.id)))
      yield* tables.replace(seller.id, table(100))
      yield* tables.replace(seller.id, table(100, 200), "price")
      yield* tables.replace(seller.id, table(100, 200), "price")
      const first = yield* tables.undo(seller.id)
      assert.deepStrictEqual(Option.map(first, ({ after, before }) => [before.length, after.length]), Option.some([2, 1]))
      assert.deepStrictEqual(yield* tables.get(seller.id), table(100))
      yield* tables.undo(seller.id)
      assert.deepStrictEqual(yield* tables.get(seller.id), [])
      assert.isTrue(Option.isNone(yield* tables.undo(seller.id)))

      for (let n = 1; n <= historyDepth + 5; n++) yield* tables.replace(seller.id, table(n))
      let undone = 0
      while (Option.isSome(yield* tables.undo(seller.id))) undone++
      assert.strictEqual(undone, historyDepth)
      // 25 changes from the empty table kept the 20 tables before the last 20 changes: tables 5 to 24.
      assert.deepStrictEqual(yield* tables.get(seller.id), table(5))
    }))

  it.effect("a confirmed draft applies exactly what was shown, a stale one nothing, and a question's other options go with it", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const drafts = yield* PriceTableDrafts
      const sql = yield* SqlClient.SqlClient
      const seller = yield* newSeller("basic")
      const base = table(100, 200)
      yield* tables.replace(seller.id, base)

      const [raise = 0, add = 0] = yield* drafts.propose(seller.id, base, [
        { change: "price", items: withItem(base, item({ name: "Produto 0", aliases: [], unit: "un", price: 150 })) },
        { change: "price", items: [...base, item({ name: "Novo", aliases: [], unit: "kg", price: 990 })] }
      ])
      const applied = yield* drafts.confirm(seller.id, raise)
      assert.strictEqual(applied._tag, "Applied")
      assert.deepStrictEqual(yield* tables.get(seller.id), table(150, 200))
      assert.deepStrictEqual(yield* drafts.confirm(seller.id, add), { _tag: "Gone" })

      const current = yield* tables.get(seller.id)
      const [stale = 0] = yield* drafts.propose(seller.id, current, [{ change: "replace", items: table(1) }])
      const [kept = 0] = yield* drafts.propose(seller.id, current, [{ change: "remove", items: table(150) }])
      yield* tables.replace(seller.id, table(150, 200, 300), "price")
      assert.deepStrictEqual(yield* drafts.confirm(seller.id, stale), { _tag: "Stale" })
      assert.deepStrictEqual(yield* tables.get(seller.id), table(150, 200, 300))
      assert.deepStrictEqual(yield* drafts.confirm(seller.id, kept), { _tag: "Gone" }, "a confirmation answers every pending question")

      const [dropped = 0, sibling = 0] = yield* drafts.propose(seller.id, table(150, 200, 300), [
        { change: "remove", items: table(150) },
        { change: "remove", items: table(200) }
      ])
      const [other = 0] = yield* drafts.propose(seller.id, table(150, 200, 300), [{ change: "remove", items: table(300) }])
      assert.isTrue(yield* drafts.discard(seller.id, dropped))
      assert.deepStrictEqual(yield* drafts.confirm(seller.id, sibling), { _tag: "Gone" })
      assert.isFalse(yield* drafts.discard(seller.id, dropped))
      assert.strictEqual((yield* drafts.confirm(seller.id, other))._tag, "Applied", "cancelling one question dropped another")

      const stranger = yield* newSeller("basic")
      const [theirs = 0] = yield* drafts.propose(seller.id, yield* tables.get(seller.id), [{ change: "replace", items: table(1) }])
      assert.deepStrictEqual(yield* drafts.confirm(stranger.id, theirs), { _tag: "Gone" }, "a seller confirmed another's draft")
      const [{ count = "" } = {}] = yield* sql<{ readonly count: string }>`
        SELECT count(*)::text AS count FROM price_table_drafts WHERE user_id = ${seller.id}`
      assert.strictEqual(count, "1")
    }))

  it.effect("concurrent confirmations of one question apply it once", () =>
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const drafts = yield* PriceTableDrafts
      const seller = yield* newSeller("basic")
      yield* tables.replace(seller.id, table(100))
      const [id = 0] = yield* drafts.propose(seller.id, table(100), [{ change: "replace", items: table(100, 200) }])
      const results = yield* Effect.all(Array.from({ length: 5 }, () => drafts.confirm(seller.id, id)), { concurrency: "unbounded" })
      assert.deepStrictEqual(results.map((result) => result._tag).sort(), ["Applied", "Gone", "Gone", "Gone", "Gone"])
      assert.isTrue(Option.isSome(yield* tables.undo(seller.id)))
      assert.isTrue(Option.isSome(yield* tables.undo(seller.id)))
      assert.isTrue(Option.isNone(yield* tables.undo(seller.id)), "the draft was applied twice")
    }))
})
