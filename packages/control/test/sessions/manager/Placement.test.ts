import { assert, describe, it } from "@effect/vitest"
import { parse, PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Exit, Option, Schema } from "effect"
import { isPool, place as placeIn, poolId as poolIn, poolIndex, type PoolState, poolsData, spaceOf } from "../../../src/sessions/manager/Placement.ts"

const account = Schema.decodeUnknownSync(PhoneNumber)("5511912345678")
const none = Option.none<string>()
/** The space of the deployment the placement tests name their pools in. */
const space = 417
const poolId = (index: number) => poolIn(space, index)
const place = (states: ReadonlyMap<PhoneNumber, PoolState>, perPool: number, node: Option.Option<string>) =>
  placeIn(states, perPool, node, space)

/** Pools by index: `[size]` on no known node, `[size, node]` pinned to `node`. */
const pools = (...entries: ReadonlyArray<readonly [number, number, string?]>): Map<PhoneNumber, PoolState> =>
  new Map(entries.map(([index, size, node]) => [poolId(index), { size, node: Option.fromNullishOr(node) }]))

describe("Placement", () => {
  it("names pools under the calling code 999, which no account can have, in their deployment's space", () =>
    Effect.gen(function*() {
      assert.strictEqual(poolId(1), "999417000001")
      assert.strictEqual(poolIndex(poolId(42)), 42)
      assert.isTrue(isPool(poolId(7)))
      assert.isFalse(isPool(account))
      assert.strictEqual(poolsData(space), "999417000000")
      assert.isFalse(isPool(poolsData(space)), "the pools' data is no pool")
      assert.strictEqual(spaceOf("default"), spaceOf("default"), "a deployment's space is always the same")
      assert.notStrictEqual(spaceOf("default"), spaceOf("staging"), "two deployments name their pools apart")
      assert.isTrue(isPool(poolIn(spaceOf("staging"), 1)))
      // A person typing a pool's name is refused as a phone number.
      assert.isTrue(Exit.isFailure(yield* Effect.exit(parse("+999000000001", "BR"))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(parse("+999 0000 0000 1", "BR"))))
    }).pipe(Effect.runSync))

  it("opens the first pool when there is none, fills the fullest pool with room before opening another", () => {
    assert.strictEqual(place(pools(), 3, none), poolId(1))
    assert.strictEqual(place(pools([1, 1]), 3, none), poolId(1))
    assert.strictEqual(place(pools([1, 1], [2, 2]), 3, none), poolId(2))
    assert.strictEqual(place(pools([1, 2], [2, 2]), 3, none), poolId(1), "the lowest on a tie")
    assert.strictEqual(place(pools([1, 3], [2, 3]), 3, none), poolId(3))
    assert.strictEqual(place(pools([1, 3], [3, 3]), 3, none), poolId(2), "the lowest free index")
  })

  it("puts an account whose node is recorded only into a pool on that node, or a new pool", () => {
    const onA = Option.some("nodeA")
    assert.strictEqual(place(pools([1, 2, "nodeB"], [2, 1, "nodeA"]), 3, onA), poolId(2), "its node's pool, not the fuller one")
    assert.strictEqual(place(pools([1, 1, "nodeA"], [2, 2, "nodeA"], [3, 2, "nodeB"]), 3, onA), poolId(2), "the fullest on its node")
    assert.strictEqual(place(pools([1, 1, "nodeB"], [2, 1]), 3, onA), poolId(3), "a pool on no known node may run anywhere: a new one")
    assert.strictEqual(place(pools([1, 3, "nodeA"], [2, 0, "nodeB"]), 3, onA), poolId(3), "its node's pools full: a new one")
    assert.strictEqual(place(pools([2, 1, "nodeB"]), 3, onA), poolId(1), "the lowest free index")
  })

  it("puts an account with no node recorded into any pool with room, pinned or not", () => {
    assert.strictEqual(place(pools([1, 1, "nodeA"], [2, 2, "nodeB"]), 3, none), poolId(2))
    assert.strictEqual(place(pools([1, 1], [2, 3, "nodeB"]), 3, none), poolId(1))
    assert.strictEqual(place(pools([1, 3, "nodeA"], [2, 3]), 3, none), poolId(3))
  })
})
