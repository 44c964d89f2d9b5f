/**
 * The behavioural contract of the `Queue` service: sending, consuming, retries and parking, depth, idle wake-ups
 * and presence, run against each layer by its own test file.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Metric, Queue as Mailbox, Redacted, Schema } from "effect"
import * as Messages from "../src/Messages.ts"
import { malformedMessages, Queue } from "../src/Queue.ts"
import * as QueueNames from "../src/QueueNames.ts"
import { SecretBox } from "../src/SecretBox.ts"
import { anUpdate, eventually, nothingWithin, randomPhone, takeN } from "./Harness.ts"

class Boom extends Schema.TaggedError<Boom>()("Boom", { message: Schema.String }) {}

const malformedCount = Metric.value(Metric.withAttributes(malformedMessages, { queue: "updates" })).pipe(
  Effect.map((state) => state.count)
)

/** The behaviour both `Queue` layers share; each layer's test file runs it. */
export const queueContract = (name: string, makeLayer: () => Layer.Layer<Queue, unknown>) => {
  describe(`Queue (${name})`, () => {
    const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provide(effect, Layer.merge(makeLayer(), SecretBox.layer(Effect.runSync(SecretBox.generateKey))))

    it.live("sends and consumes a command, its secret sealed on the wire", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const received = yield* Mailbox.unbounded<Messages.CommandMessage>()
        yield* queue.consume(QueueNames.commandsQueue(phone), Messages.CommandMessage, (message) =>
          Mailbox.offer(received, message))

        const sent = yield* Messages.commandMessage(phone, new Messages.SubmitCode({ code: Redacted.make("13579") }))
        yield* queue.send(QueueNames.commandsQueue(phone), Messages.CommandMessage, sent, {
          jobId: QueueNames.commandJobId(sent.requestId)
        })
        const [got] = yield* takeN(received, 1)
        assert.strictEqual(got?.requestId, sent.requestId)
        assert.strictEqual(got?.command._tag === "SubmitCode" && Redacted.value(got.command.code), "13579")
      }).pipe(provide))

    it.live("retries a failing handler with backoff, then parks the job with its reason", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        const attempts = yield* Mailbox.unbounded<number>()
        yield* queue.consume(updates, Messages.UpdateMessage, (message) =>
          Mailbox.offer(attempts, message.timestamp).pipe(
            Effect.andThen(
              message.timestamp === 1 ? Effect.fail(new Boom({ message: "TDLib is not answering" })) : Effect.void
            )
          ))

        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 1))
        assert.deepStrictEqual(yield* takeN(attempts, 3), [1, 1, 1])
        yield* eventually(Effect.map(queue.failed(updates), (failed) => failed.length === 1))
        const [parked] = yield* queue.failed(updates)
        assert.strictEqual(parked?.reason, "Boom: TDLib is not answering")
        assert.strictEqual(parked?.attemptsMade, 3)

        // The queue still moves: the next message is handled once.
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 2))
        assert.deepStrictEqual(yield* takeN(attempts, 1), [2])
        assert.isTrue(yield* nothingWithin(attempts, "200 millis"))
      }).pipe(provide))

    it.live("reports a queue's depth: jobs waiting before a consumer, parked after failing", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        assert.deepStrictEqual(yield* queue.depth(updates), { waiting: 0, active: 0, delayed: 0, failed: 0 })
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 1))
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 2))
        assert.deepStrictEqual(yield* queue.depth(updates), { waiting: 2, active: 0, delayed: 0, failed: 0 })
        yield* queue.send(updates, Schema.Unknown, { not: "a message" })
        yield* queue.consume(updates, Messages.UpdateMessage, () => Effect.void)
        yield* eventually(Effect.map(queue.depth(updates), (depth) => depth.failed === 1 && depth.waiting === 0))
      }).pipe(provide))

    it.live("obliterates a queue: its waiting and parked jobs go; a consumer added after reads what is sent after", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        yield* queue.obliterate(updates)
        yield* queue.send(updates, Schema.Unknown, { not: "a message" })
        const parking = yield* Mailbox.unbounded<number>()
        yield* queue.consume(QueueNames.updatesQueue(phone), Messages.UpdateMessage, (message) => Mailbox.offer(parking, message.timestamp))
        yield* eventually(Effect.map(queue.depth(updates), (depth) => depth.failed === 1))
        const other = QueueNames.commandsQueue(phone)
        yield* queue.send(other, Messages.UpdateMessage, anUpdate(phone, 1))
        yield* queue.send(other, Messages.UpdateMessage, anUpdate(phone, 2))

        yield* queue.obliterate(updates)
        yield* queue.obliterate(other)
        assert.deepStrictEqual(yield* queue.depth(updates), { waiting: 0, active: 0, delayed: 0, failed: 0 })
        assert.deepStrictEqual(yield* queue.depth(other), { waiting: 0, active: 0, delayed: 0, failed: 0 })
        const received = yield* Mailbox.unbounded<number>()
        yield* queue.consume(other, Messages.UpdateMessage, (message) => Mailbox.offer(received, message.timestamp))
        yield* queue.send(other, Messages.UpdateMessage, anUpdate(phone, 3))
        assert.deepStrictEqual(yield* takeN(received, 1), [3])
        assert.isTrue(yield* nothingWithin(received, "300 millis"))
      }).pipe(provide))

    it.live("a handler that fails once succeeds on its retry and leaves nothing parked", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        const calls = yield* Mailbox.unbounded<number>()
        let failures = 0
        yield* queue.consume(updates, Messages.UpdateMessage, (message) =>
          Mailbox.offer(calls, message.timestamp).pipe(
            Effect.andThen(failures++ === 0 ? Effect.fail(new Boom({ message: "once" })) : Effect.void)
          ))
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 7))
        assert.deepStrictEqual(yield* takeN(calls, 2), [7, 7])
        assert.isTrue(yield* nothingWithin(calls, "200 millis"))
        assert.deepStrictEqual(yield* queue.failed(updates), [])
      }).pipe(provide))

    it.live("parks a malformed message at once, counts it, and handles the next one", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        const before = yield* malformedCount
        const handled = yield* Mailbox.unbounded<number>()
        yield* queue.consume(updates, Messages.UpdateMessage, (message) => Mailbox.offer(handled, message.timestamp))

        const encoded = yield* Messages.encodeUpdateMessage(anUpdate(phone, 1))
        yield* queue.send(updates, Schema.Unknown, { ...encoded, version: 99, secretCode: "24680" })
        yield* queue.send(updates, Messages.UpdateMessage, anUpdate(phone, 2))

        assert.deepStrictEqual(yield* takeN(handled, 1), [2])
        yield* eventually(Effect.map(queue.failed(updates), (failed) => failed.length === 1))
        const [parked] = yield* queue.failed(updates)
        assert.include(parked?.reason, "malformed message")
        assert.include(parked?.reason, "version")
        assert.notInclude(parked?.reason, "24680")
        assert.strictEqual(parked?.attemptsMade, 1)
        assert.strictEqual((yield* malformedCount) - before, 1)
      }).pipe(provide))

    it.live("a job id still queued is not enqueued twice", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const updates = QueueNames.updatesQueue(phone)
        const message = yield* Messages.updateMessage(
          phone,
          new Messages.NewMessage({ chatId: -100, messageId: 5, senderId: 1, senderName: "Ana", text: "2x pão", date: 1 })
        )
        yield* queue.send(updates, Messages.UpdateMessage, message, { jobId: QueueNames.updateJobId(message) })
        yield* queue.send(updates, Messages.UpdateMessage, message, { jobId: QueueNames.updateJobId(message) })
        const handled = yield* Mailbox.unbounded<Messages.UpdateMessage>()
        yield* queue.consume(updates, Messages.UpdateMessage, (received) => Mailbox.offer(handled, received))
        yield* takeN(handled, 1)
        assert.isTrue(yield* nothingWithin(handled, "300 millis"))
      }).pipe(provide))

    it.live("handles each account's updates one at a time, in order, under load", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phones = [randomPhone(), randomPhone(), randomPhone(), randomPhone()]
        const perAccount = 150
        const seen = new Map<string, Array<number>>()
        const active = new Map<string, number>()
        let overlaps = 0
        const done = yield* Mailbox.unbounded<void>()
        const set = yield* queue.consumeSet(Messages.UpdateMessage, (message) =>
          Effect.gen(function*() {
            const phone = message.phoneNumber
            if ((active.get(phone) ?? 0) > 0) overlaps++
            active.set(phone, (active.get(phone) ?? 0) + 1)
            yield* Effect.sleep(`${message.timestamp % 3} millis`)
            seen.set(phone, [...(seen.get(phone) ?? []), message.timestamp])
            active.set(phone, (active.get(phone) ?? 0) - 1)
            yield* Mailbox.offer(done, undefined)
          }))
        yield* Effect.forEach(phones, (phone) => set.add(QueueNames.updatesQueue(phone)), { discard: true })

        // The accounts publish at the same time, interleaved.
        yield* Effect.forEach(
          phones,
          (phone) =>
            Effect.forEach(
              Array.from({ length: perAccount }, (_, n) => n),
              (n) => queue.send(QueueNames.updatesQueue(phone), Messages.UpdateMessage, anUpdate(phone, n)),
              { discard: true }
            ),
          { concurrency: "unbounded", discard: true }
        )
        yield* takeN(done, phones.length * perAccount, "25 seconds")
        assert.strictEqual(overlaps, 0)
        for (const phone of phones) {
          assert.deepStrictEqual(seen.get(phone), Array.from({ length: perAccount }, (_, n) => n))
        }
      }).pipe(provide), 40_000)

    it.live("consumes a changing set of queues", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const [a, b] = [randomPhone(), randomPhone()]
        const handled = yield* Mailbox.unbounded<string>()
        const set = yield* queue.consumeSet(Messages.UpdateMessage, (message, from) =>
          Mailbox.offer(handled, `${QueueNames.phoneOf(from) === a ? "a" : "b"}${message.timestamp}`))

        yield* set.add(QueueNames.updatesQueue(a))
        yield* queue.send(QueueNames.updatesQueue(a), Messages.UpdateMessage, anUpdate(a, 1))
        assert.deepStrictEqual(yield* takeN(handled, 1), ["a1"])

        // b is not in the set yet: its message waits for it.
        yield* queue.send(QueueNames.updatesQueue(b), Messages.UpdateMessage, anUpdate(b, 1))
        assert.isTrue(yield* nothingWithin(handled, "300 millis"))
        yield* set.add(QueueNames.updatesQueue(b))
        assert.deepStrictEqual(yield* takeN(handled, 1), ["b1"])

        // a leaves the set; its messages wait until it comes back.
        yield* set.remove(QueueNames.updatesQueue(a))
        assert.deepStrictEqual(yield* set.queues, new Set([QueueNames.updatesQueue(b)]))
        yield* queue.send(QueueNames.updatesQueue(a), Messages.UpdateMessage, anUpdate(a, 2))
        assert.isTrue(yield* nothingWithin(handled, "300 millis"))
        yield* queue.send(QueueNames.updatesQueue(b), Messages.UpdateMessage, anUpdate(b, 2))
        assert.deepStrictEqual(yield* takeN(handled, 1), ["b2"])
        yield* set.add(QueueNames.updatesQueue(a))
        assert.deepStrictEqual(yield* takeN(handled, 1), ["a2"])
      }).pipe(provide))

    it.live("an idle queue is still woken by the next message", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const handled = yield* Mailbox.unbounded<number>()
        yield* queue.consume(QueueNames.responsesQueue(phone), Messages.UpdateMessage, (message) =>
          Mailbox.offer(handled, message.timestamp))
        yield* queue.send(QueueNames.responsesQueue(phone), Messages.UpdateMessage, anUpdate(phone, 1))
        yield* takeN(handled, 1)
        // Longer than the BullMQ layer's idle timeout in these tests: its Worker has closed by now.
        yield* Effect.sleep("900 millis")
        yield* queue.send(QueueNames.responsesQueue(phone), Messages.UpdateMessage, anUpdate(phone, 2))
        assert.deepStrictEqual(yield* takeN(handled, 1, "3 seconds"), [2])
      }).pipe(provide))

    it.live("a beat is read back until its ttl expires; an account that never beat is absent", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const [alive, silent] = [randomPhone(), randomPhone()]
        const before = Date.now()
        yield* queue.beat(alive, "WaitCode", Duration.millis(400))
        const beats = yield* queue.lastBeats([alive, silent])
        assert.deepStrictEqual(Array.from(beats.keys()), [alive])
        const beat = beats.get(alive)
        assert.strictEqual(beat?.authorization, "WaitCode")
        assert.isTrue(beat !== undefined && beat.at >= before && beat.at <= Date.now())

        // A later beat replaces the earlier one.
        yield* queue.beat(alive, "Ready", Duration.millis(400))
        assert.strictEqual((yield* queue.lastBeats([alive])).get(alive)?.authorization, "Ready")
        yield* eventually(Effect.map(queue.lastBeats([alive]), (found) => found.size === 0), "2 seconds")
      }).pipe(provide))

    it.live("a cleared beat is gone before its ttl; the other accounts' stay", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const [erased, kept] = [randomPhone(), randomPhone()]
        yield* queue.beat(erased, "Ready", Duration.minutes(1))
        yield* queue.beat(kept, "Ready", Duration.minutes(1))
        yield* queue.clearBeat(erased)
        yield* queue.clearBeat(randomPhone())
        assert.deepStrictEqual(Array.from((yield* queue.lastBeats([erased, kept])).keys()), [kept])
        yield* queue.clearBeat(kept)
      }).pipe(provide))

    it.live("a note is read back until it is deleted; another owner's note of the same name is its own", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const [owner, other] = [randomPhone(), randomPhone()]
        assert.strictEqual(yield* queue.readNote(owner, "roster"), undefined)
        yield* queue.writeNote(owner, "roster", "first")
        yield* queue.writeNote(owner, "roster", "second")
        assert.strictEqual(yield* queue.readNote(owner, "roster"), "second")
        assert.strictEqual(yield* queue.readNote(other, "roster"), undefined)
        assert.strictEqual(yield* queue.readNote(owner, "other"), undefined)
        yield* queue.writeNote(owner, "roster", undefined)
        assert.strictEqual(yield* queue.readNote(owner, "roster"), undefined)
      }).pipe(provide))

    it.live("reads many accounts' beats at once", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phones = Array.from({ length: 1200 }, randomPhone)
        const beating = phones.filter((_, index) => index % 3 === 0)
        yield* Effect.forEach(beating, (phone) => queue.beat(phone, "Ready", Duration.seconds(10)), { concurrency: 50 })
        const beats = yield* queue.lastBeats(phones)
        assert.deepStrictEqual(new Set(beats.keys()), new Set(beating))
      }).pipe(provide))

    it.live("a beat is no message: the account's updates consumer receives nothing", () =>
      Effect.gen(function*() {
        const queue = yield* Queue
        const phone = randomPhone()
        const handled = yield* Mailbox.unbounded<number>()
        yield* queue.consume(QueueNames.updatesQueue(phone), Messages.UpdateMessage, (message) =>
          Mailbox.offer(handled, message.timestamp))
        yield* queue.beat(phone, "Ready", Duration.seconds(5))
        yield* queue.beat(phone, "Ready", Duration.seconds(5))
        assert.isTrue(yield* nothingWithin(handled, "300 millis"))
        assert.deepStrictEqual(yield* queue.depth(QueueNames.updatesQueue(phone)), { waiting: 0, active: 0, delayed: 0, failed: 0 })
      }).pipe(provide))
  })
}
