import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Fiber, Option, Schema, Stream } from "effect"
import { poolId } from "../../../src/sessions/manager/Placement.ts"
import { NodePins } from "../../../src/sessions/runtimes/NodePins.ts"

const phone = Schema.decodeUnknownSync(PhoneNumber)
const alice = phone("5511911110001")
const bob = phone("5511911110002")
const carol = phone("5511911110003")
const pool = poolId(0, 1)

describe("NodePins", () => {
  it.effect("a pool's record is its own, shared by the accounts it hosts; an account's stays its own", () => {
    const nodes = new Map<PhoneNumber, string>()
    return Effect.gen(function*() {
      const pins = yield* NodePins
      yield* pins.record([pool], Option.some("nodeA"))
      assert.deepStrictEqual([...nodes], [[pool, "nodeA"]], "no host told: the pool alone")
      yield* pins.hosting((name) => name === pool ? [alice, bob] : [])
      yield* pins.record([carol], Option.some("nodeB"))
      yield* pins.record([pool], Option.some("nodeA"))
      assert.deepStrictEqual(Object.fromEntries(nodes), { [pool]: "nodeA", [alice]: "nodeA", [bob]: "nodeA", [carol]: "nodeB" })
      assert.deepStrictEqual(yield* pins.recorded([pool]), Option.some("nodeA"))
      assert.deepStrictEqual(yield* pins.pools, new Map([[pool, "nodeA"]]), "only pools")
      yield* pins.record([pool], Option.none())
      assert.deepStrictEqual(Object.fromEntries(nodes), { [carol]: "nodeB" }, "cleared with it")
    }).pipe(Effect.provide(NodePins.layerMemory(nodes)))
  })

  it.effect("a pool's move is told as its accounts'", () =>
    Effect.gen(function*() {
      const pins = yield* NodePins
      yield* pins.hosting((name) => name === pool ? [alice, bob] : [])
      const seen = yield* pins.moves.pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* pins.moved({ service: "vigia-session-999000000001", accounts: [pool], node: "nodeA", reason: "drained" })
      yield* pins.moved({ service: "vigia-session-5511911110003", accounts: [carol], node: "nodeB", reason: "removed" })
      assert.deepStrictEqual([...yield* Fiber.join(seen)].map((move) => move.accounts), [[alice, bob], [carol]])
    }).pipe(Effect.provide(NodePins.layerMemory())))
})
