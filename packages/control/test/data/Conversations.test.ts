import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Schema } from "effect"
import { AwaitingCode, AwaitingEmailCode, Step } from "../../src/data/Conversations.ts"

// Steps are stored as JSON: one stored before a release must still read back after it.
describe("a seller's stored step", () => {
  it("a code step stored with its keypad's message id reads back, with no wait for a new code known", () => {
    const step = Schema.decodeUnknownSync(Step)({ _tag: "AwaitingCode", phone: "5511912345678", length: 5, attempts: 1, keypadMessageId: 42 })
    assert.instanceOf(step, AwaitingCode)
    assert.deepInclude(step, { length: 5, attempts: 1, resendableAt: null })
  })

  it("an e-mail code step stored without its length reads back, the length unknown", () => {
    const step = Schema.decodeUnknownSync(Step)({ _tag: "AwaitingEmailCode", phone: "5511912345678", attempts: 2 })
    assert.instanceOf(step, AwaitingEmailCode)
    assert.deepInclude(step, { attempts: 2, length: 0 })
  })

  it("round-trips the steps as written today", () => {
    const phone = Schema.decodeUnknownSync(PhoneNumber)("5511912345678")
    for (const step of [
      new AwaitingCode({ phone, length: 6, attempts: 0, resendableAt: 1_700_000_000_000 }),
      new AwaitingEmailCode({ phone, attempts: 3, length: 6 })
    ]) {
      assert.deepStrictEqual(Schema.decodeUnknownSync(Step)(Schema.encodeSync(Step)(step)), step)
    }
  })
})
