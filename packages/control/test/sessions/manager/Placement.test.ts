import { assert, describe, it } from "@effect/vitest"
import { parse, PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Exit, Schema } from "effect"
import { isPool, place, poolId, poolIndex, poolsData } from "../../../src/sessions/manager/Placement.ts"

const account = Schema.decodeUnknownSync(PhoneNumber)("5511912345678")

describe("Placement", () => {
  it("names pools under the calling code 999, which no account can have", () =>
    Effect.gen(function*() {
      assert.strictEqual(poolId(1), "999000000001")
      assert.strictEqual(poolIndex(poolId(42)), 42)
      assert.isTrue(isPool(poolId(7)))
      assert.isFalse(isPool(account))
      assert.isFalse(isPool(poolsData), "the pools' data is no pool")
      // A person typing a pool's name is refused as a phone number.
      assert.isTrue(Exit.isFailure(yield* Effect.exit(parse("+999000000001", "BR"))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(parse("+999 0000 0000 1", "BR"))))
    }).pipe(Effect.runSync))

  it("opens the first pool when there is none, fills the fullest pool with room before opening another", () => {
    assert.strictEqual(place(new Map(), 3), poolId(1))
    assert.strictEqual(place(new Map([[poolId(1), 1]]), 3), poolId(1))
    assert.strictEqual(place(new Map([[poolId(1), 1], [poolId(2), 2]]), 3), poolId(2))
    assert.strictEqual(place(new Map([[poolId(1), 2], [poolId(2), 2]]), 3), poolId(1), "the lowest on a tie")
    assert.strictEqual(place(new Map([[poolId(1), 3], [poolId(2), 3]]), 3), poolId(3))
    assert.strictEqual(place(new Map([[poolId(1), 3], [poolId(3), 3]]), 3), poolId(2), "the lowest free index")
  })
})
