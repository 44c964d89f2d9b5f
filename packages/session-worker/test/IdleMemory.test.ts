/**
 * The collection of start-up's garbage: it really collects (an unreachable object is gone), says so in the debug
 * log, and leaves V8's collector unexposed to anything created afterwards.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, References } from "effect"
import * as Vm from "node:vm"
import * as IdleMemory from "../src/IdleMemory.ts"

/** A weak reference to an object nothing else holds. */
const unreachable = () => new WeakRef({ payload: "x".repeat(1024) })

describe("IdleMemory", () => {
  it.live("collects the heap once, logs it, and leaves gc unexposed", () =>
    Effect.gen(function*() {
      const lines: Array<unknown> = []
      const keep = Logger.map(Logger.formatStructured, ({ message }) => void lines.push(message))
      const weak = unreachable()
      // A weak reference keeps its target until the job that made it ends.
      yield* Effect.sleep("1 millis")
      yield* IdleMemory.collectStartupGarbage.pipe(
        Effect.provide(Logger.layer([keep])),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      assert.isUndefined(weak.deref())
      assert.match(JSON.stringify(lines), /start-up garbage collected.*resident \d+ → \d+ MiB/)
      assert.strictEqual(Vm.runInNewContext("typeof gc"), "undefined")
    }))
})
