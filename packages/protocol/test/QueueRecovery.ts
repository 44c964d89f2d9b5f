/**
 * The `Queue` service's contract for what goes wrong: a transient failure waited out without parking, failed jobs
 * kept only so long and so many, and parked jobs re-driven. Run against each layer by its own test file.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Layer, Metric, Queue as Mailbox, Schema } from "effect"
import * as Messages from "../src/Messages.ts"
import { consumerBackoffs, Queue, type RetryPolicy } from "../src/Queue.ts"
import * as QueueNames from "../src/QueueNames.ts"
import { SecretBox } from "../src/SecretBox.ts"
import { anUpdate, eventually, nothingWithin, randomPhone, takeN } from "./Harness.ts"

/** A dependency the handler needs cannot answer now. */
class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", { message: Schema.String }) {}
/** The handler refuses the message (not transient). */
class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

const isUnreachable = (cause: Cause.Cause<Unreachable | Refused>) =>
  cause.reasons.some((reason) => Cause.isFailReason(reason) && reason.error._tag === "Unreachable")

const backoffs = Effect.suspend(() =>
  Metric.value(Metric.withAttributes(consumerBackoffs, { queue: "updates", reason: "Unreachable" }))
).pipe(Effect.map((state) => state.count))

/** The recovery behaviour both `Queue` layers share; `makeLayer` builds a layer with the policy given. */
export const queueRecovery = (name: string, makeLayer: (policy?: Partial<RetryPolicy>) => Layer.Layer<Queue, unknown>) => {
  describe(`Queue (${name}): failures`, () => {
    const provide = (policy: Partial<RetryPolicy> = {}) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provide(effect, Layer.merge(makeLayer(policy), SecretBox.layer(Effect.runSync(SecretBox.generateKey))))

    it.live("a transient failure is never parked: the queue waits with backoff and hands the same message again, in order", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const [phone, other] = [randomPhone(), randomPhone()]
        const updates = QueueNames.updatesQueue(phone)
        const calls = yield* Mailbox.unbounded<readonly [number, number]>()
        const otherCalls = yield* Mailbox.unbounded<number>()
        const before = yield* backoffs
        let unreachable = 5
        yield* queue.consume(updates, Messages.UpdateMessage, (message) =>
          Effect.gen(function*() {
            yield* Mailbox.offer(calls, [message.timestamp, Date.now()])
            if (message.timestamp === 1 && unreachable-- > 0) return yield* new Unreachable({ message: "PostgreSQL is down" })
          }), { transient: isUnreachable })
        yield* queue.consume(QueueNames.updatesQueue(other), Messages.UpdateMessage, (message) =>
          Mailbox.offer(otherCalls, message.timestamp), { transient: isUnreachable })

        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 1))
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 2))
        // Another account's queue goes on meanwhile.
        const [first] = yield* takeN(calls, 1)
        yield* queue.send(QueueNames.updatesQueue(other), Messages.UpdateMessage, anUpdate(other, 7))
        assert.deepStrictEqual(yield* takeN(otherCalls, 1), [7])

        const rest = yield* takeN(calls, 6)
        // More tries than the policy's attempts, then the next message: order kept, nothing parked.
        assert.deepStrictEqual([first, ...rest].map((call) => call?.[0]), [1, 1, 1, 1, 1, 1, 2])
        assert.deepStrictEqual(yield* queue.failed(updates), [])
        assert.strictEqual((yield* backoffs) - before, 5)
        // The waits doubled from 20 ms up to 80 ms: 20 + 40 + 80 + 80 + 80 at least, between the first try and the last.
        const lastTry = rest[4]?.[1] ?? 0
        assert.isAtLeast(lastTry - (first?.[1] ?? 0), 300)
        assert.isTrue(yield* nothingWithin(calls, "200 millis"))
      }).pipe(provide({ maxBackoff: Duration.millis(80) })))

    it.live("parked jobs are kept at most `failedJobsKept` per queue, and no longer than `failedJobsMaxAge`", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        yield* queue.consume(updates, Messages.UpdateMessage, () => Effect.void)
        for (const n of [1, 2, 3]) yield* queue.send(updates, Schema.Unknown, { malformed: n })
        yield* eventually(Effect.map(queue.depth(updates), (depth) => depth.waiting === 0 && depth.active === 0))
        assert.strictEqual((yield* queue.failed(updates)).length, 2)
        assert.strictEqual((yield* queue.depth(updates)).failed, 2)

        // Nothing else fails in this queue: the parked jobs still go once they are older than the age limit.
        yield* eventually(Effect.map(queue.depth(updates), (depth) => depth.failed === 0), "15 seconds")
        assert.deepStrictEqual(yield* queue.failed(updates), [])
      }).pipe(provide({ failedJobsKept: 2, failedJobsMaxAge: Duration.seconds(2) })), 30_000)

    it.live("a parked job re-driven goes back to its queue and is handled; the count is answered", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        const handled = yield* Mailbox.unbounded<number>()
        let refusing = true
        yield* queue.consume(updates, Messages.UpdateMessage, (message) =>
          refusing
            ? Effect.fail(new Refused({ message: "the seller's table is broken" }))
            : Mailbox.offer(handled, message.timestamp))
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 1))
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 2))
        yield* eventually(Effect.map(queue.failed(updates), (failed) => failed.length === 2))
        assert.strictEqual(yield* queue.redrive(updates), 2)
        // Re-driven jobs that fail again are parked again, with their attempts counted afresh.
        yield* eventually(Effect.map(queue.failed(updates), (failed) => failed.length === 2))
        assert.isTrue((yield* queue.failed(updates)).every((job) => job.attemptsMade === 3))

        refusing = false
        // Longer than the BullMQ layer's idle timeout in these tests: the queue's consumer has closed by now.
        yield* Effect.sleep("900 millis")
        assert.strictEqual(yield* queue.redrive(updates), 2)
        assert.deepStrictEqual(yield* takeN(handled, 2, "5 seconds"), [1, 2])
        assert.deepStrictEqual(yield* queue.failed(updates), [])
        assert.strictEqual(yield* queue.redrive(updates), 0)
      }).pipe(provide()))
  })
}
