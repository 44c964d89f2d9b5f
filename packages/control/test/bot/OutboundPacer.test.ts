import { assert, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as OutboundPacer from "../../src/bot/OutboundPacer.ts"

/** When (in ms of the test clock) each of `chats` got its turn, asking in that order at time 0. */
const turns = (pacer: OutboundPacer.OutboundPacer, chats: ReadonlyArray<number>, advance: Duration.Input) =>
  Effect.gen(function*() {
    const fibers = yield* Effect.forEach(chats, (chat) =>
      pacer.slot(chat).pipe(Effect.andThen(Clock.currentTimeMillis), Effect.forkChild))
    yield* TestClock.adjust(advance)
    return yield* Effect.forEach(fibers, Fiber.join)
  })

it.effect("one chat gets a message a second, in the order asked", () =>
  Effect.gen(function*() {
    const pacer = OutboundPacer.make(OutboundPacer.telegramFigures)
    assert.deepStrictEqual(yield* turns(pacer, [7, 7, 7], "5 seconds"), [0, 1000, 2000])
  }))

it.effect("different chats share the overall budget, a burst of it at once and then its rate", () =>
  Effect.gen(function*() {
    const pacer = OutboundPacer.make({
      ...OutboundPacer.telegramFigures,
      overall: { messages: 2, per: Duration.seconds(1), burst: 2 }
    })
    assert.deepStrictEqual(yield* turns(pacer, [1, 2, 3, 4, 5], "5 seconds"), [0, 0, 500, 1000, 1500])
  }))

it.effect("a group gets twenty messages a minute: one every three seconds", () =>
  Effect.gen(function*() {
    const pacer = OutboundPacer.make(OutboundPacer.telegramFigures)
    assert.deepStrictEqual(yield* turns(pacer, [-100, -100, -100], "10 seconds"), [0, 3000, 6000])
  }))

it.effect("a retry_after pauses its chat only", () =>
  Effect.gen(function*() {
    const pacer = OutboundPacer.make(OutboundPacer.telegramFigures)
    yield* pacer.pause(7, Duration.seconds(12))
    assert.deepStrictEqual(yield* turns(pacer, [7, 8], "20 seconds"), [12_000, 0])
  }))

it.effect("an edit waits for the overall budget only", () =>
  Effect.gen(function*() {
    const pacer = OutboundPacer.make({
      ...OutboundPacer.telegramFigures,
      overall: { messages: 1, per: Duration.seconds(1), burst: 1 }
    })
    yield* pacer.slot(7)
    const edit = yield* pacer.overallSlot.pipe(Effect.andThen(Clock.currentTimeMillis), Effect.forkChild)
    yield* TestClock.adjust("2 seconds")
    assert.strictEqual(yield* Fiber.join(edit), 1000)
  }))
