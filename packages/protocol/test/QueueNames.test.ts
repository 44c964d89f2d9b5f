import { assert, describe, it } from "@effect/vitest"
import * as PhoneNumber from "@vigia/domain/PhoneNumber"
import { Effect, Exit, Option, Schema } from "effect"
import * as Messages from "../src/Messages.ts"
import * as QueueNames from "../src/QueueNames.ts"

const queuePattern = /^user-[0-9]+-(commands|responses|updates)$/
const isJobIdSafe = (id: string) => !id.includes(":") && !/^[0-9]+$/.test(id) && id.length > 0

const namesOf = (phone: PhoneNumber.PhoneNumber) => [
  QueueNames.commandsQueue(phone),
  QueueNames.responsesQueue(phone),
  QueueNames.updatesQueue(phone)
]

describe("QueueNames", () => {
  it("names an account's queues as the seed does", () => {
    const phone = Schema.decodeUnknownSync(PhoneNumber.PhoneNumber)("5511912345678")
    assert.deepStrictEqual(namesOf(phone), [
      "user-5511912345678-commands",
      "user-5511912345678-responses",
      "user-5511912345678-updates"
    ])
    assert.strictEqual(QueueNames.phoneOf(QueueNames.updatesQueue(phone)), phone)
    assert.strictEqual(QueueNames.kindOf(QueueNames.updatesQueue(phone)), "updates")
  })

  it.effect.prop("no string yields a queue name outside user-[0-9]+-(commands|responses|updates)", [
    Schema.String
  ], ([input]) =>
    Effect.gen(function*() {
      const normalized = yield* Effect.option(PhoneNumber.normalize(input))
      const decoded = yield* Effect.option(Schema.decodeUnknownEffect(PhoneNumber.PhoneNumber)(input))
      for (const phone of [normalized, decoded]) {
        if (Option.isSome(phone)) {
          for (const name of namesOf(phone.value)) assert.match(name, queuePattern)
        }
      }
      const asName = Schema.decodeUnknownExit(QueueNames.QueueName)(input)
      if (Exit.isSuccess(asName)) assert.match(asName.value, queuePattern)
    }))

  it.effect.prop("every phone number yields valid names that lead back to it", [PhoneNumber.PhoneNumber], ([phone]) =>
    Effect.sync(() => {
      for (const name of namesOf(phone)) {
        assert.match(name, queuePattern)
        assert.isTrue(Exit.isSuccess(Schema.decodeUnknownExit(QueueNames.QueueName)(name)))
        assert.strictEqual(QueueNames.phoneOf(name), phone)
      }
    }))

  it.effect.prop("job ids never contain ':' and are never all digits", [Messages.RequestId, Messages.UpdateMessage], (
    [requestId, update]
  ) =>
    Effect.sync(() => {
      for (const id of [QueueNames.commandJobId(requestId), QueueNames.responseJobId(requestId), QueueNames.updateJobId(update)]) {
        assert.isTrue(isJobIdSafe(id), id)
        assert.isTrue(Exit.isSuccess(Schema.decodeUnknownExit(QueueNames.JobId)(id)))
      }
    }))

  it.effect("an update's job id follows its identity", () =>
    Effect.gen(function*() {
      const phone = Schema.decodeUnknownSync(PhoneNumber.PhoneNumber)("5511912345678")
      const message = new Messages.NewMessage({
        chatId: -1001234567890,
        messageId: 42,
        senderId: 7,
        senderName: "Ana",
        text: "2x coca",
        date: 1_700_000_000
      })
      const first = yield* Messages.updateMessage(phone, message)
      const republished = new Messages.UpdateMessage({ ...first, timestamp: first.timestamp + 5_000 })
      assert.strictEqual(QueueNames.updateJobId(first), "message--1001234567890-42")
      assert.strictEqual(QueueNames.updateJobId(republished), QueueNames.updateJobId(first))

      const connecting = yield* Messages.updateMessage(phone, new Messages.ConnectionState({ state: "Connecting" }))
      const ready = new Messages.UpdateMessage({ ...connecting, update: new Messages.ConnectionState({ state: "Ready" }) })
      assert.strictEqual(QueueNames.updateJobId(connecting), QueueNames.updateJobId(connecting))
      assert.notStrictEqual(QueueNames.updateJobId(connecting), QueueNames.updateJobId(ready))
    }))
})
