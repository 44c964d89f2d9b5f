import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Cause, Effect, Exit, Redacted, Schema } from "effect"
import * as Messages from "../src/Messages.ts"
import { describeIssue } from "../src/Queue.ts"
import { SecretBox } from "../src/SecretBox.ts"

const key = Effect.runSync(SecretBox.generateKey)
const box = Effect.runSync(SecretBox.make(key))
const withBox = Effect.provideService(SecretBox, box)

/**
 * encode → JSON text → decode, as a message travels through Redis. Results are compared with the schemas'
 * equivalence: JSON has no -0, and `Redacted` hides its value from deep equality.
 */
const throughJson = <S extends Schema.Top>(schema: S, value: S["Type"]) =>
  Schema.encodeUnknownEffect(schema)(value).pipe(
    Effect.map((encoded) => JSON.parse(JSON.stringify(encoded)) as unknown),
    Effect.flatMap((json) => Schema.decodeUnknownEffect(schema)(json))
  )

const secretsOf = (message: Messages.CommandMessage): ReadonlyArray<string> => {
  const command = message.command
  switch (command._tag) {
    case "SubmitCode":
    case "SubmitEmailCode":
      return [Redacted.value(command.code)]
    case "SubmitPassword":
      return [Redacted.value(command.password)]
    default:
      return []
  }
}

const rejects = <S extends Schema.Top>(schema: S, json: unknown) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Schema.decodeUnknownEffect(schema)(json).pipe(withBox))
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isFailure(exit)) assert.isFalse(Cause.hasDies(exit.cause), "decoding threw")
  })

const LongSecret = Schema.String.check(Schema.isMinLength(5))
const phone = Schema.decodeUnknownSync(PhoneNumber)("5511912345678")

describe("Messages", () => {
  it.effect.prop("every command round-trips through JSON", [Messages.CommandMessage], ([message]) =>
    Effect.gen(function*() {
      const decoded = yield* throughJson(Messages.CommandMessage, message).pipe(withBox)
      assert.isTrue(Schema.toEquivalence(Messages.CommandMessage)(decoded, message))
      assert.deepStrictEqual(secretsOf(decoded), secretsOf(message))
    }))

  it.effect.prop("every response round-trips through JSON", [Messages.Response], ([message]) =>
    Effect.gen(function*() {
      const decoded = yield* throughJson(Messages.Response, message)
      assert.instanceOf(decoded, Messages.Response)
      assert.isTrue(Schema.toEquivalence(Messages.Response)(decoded, message))
    }))

  it.effect.prop("every update round-trips through JSON", [Messages.UpdateMessage], ([message]) =>
    Effect.gen(function*() {
      const decoded = yield* throughJson(Messages.UpdateMessage, message)
      assert.instanceOf(decoded, Messages.UpdateMessage)
      assert.isTrue(Schema.toEquivalence(Messages.UpdateMessage)(decoded, message))
    }))

  it.effect.prop(
    "secret fields travel only as ciphertext",
    [LongSecret, Schema.Literals(["SubmitCode", "SubmitPassword", "SubmitEmailCode"])],
    ([secret, kind]) =>
      Effect.gen(function*() {
        const value = Redacted.make(secret)
        const command = kind === "SubmitPassword"
          ? new Messages.SubmitPassword({ password: value })
          : kind === "SubmitCode"
          ? new Messages.SubmitCode({ code: value })
          : new Messages.SubmitEmailCode({ code: value })
        const message = yield* Messages.commandMessage(phone, command)
        const json = JSON.stringify(yield* Messages.encodeCommandMessage(message).pipe(withBox))
        assert.notInclude(json, secret)
        assert.notInclude(String(message), secret)
        const decoded = yield* Messages.decodeCommandMessage(JSON.parse(json)).pipe(withBox)
        assert.deepStrictEqual(secretsOf(decoded), [secret])
      })
  )

  it.effect.prop("arbitrary JSON is rejected with an error, never a throw", [Schema.Json], ([json]) =>
    Effect.gen(function*() {
      yield* rejects(Messages.CommandMessage, json)
      yield* rejects(Messages.Response, json)
      yield* rejects(Messages.UpdateMessage, json)
    }))

  it.effect.prop("a message with a field removed is rejected, naming the field", [Messages.UpdateMessage], ([message]) =>
    Effect.gen(function*() {
      const encoded = (yield* Messages.encodeUpdateMessage(message)) as Record<string, unknown>
      const { timestamp: _, ...broken } = encoded
      const error = yield* Effect.flip(Messages.decodeUpdateMessage(broken))
      assert.include(describeIssue(error.issue), "timestamp")
    }))

  it.effect("a secret sealed with another session's key does not decode, with a clear reason", () =>
    Effect.gen(function*() {
      const message = yield* Messages.commandMessage(phone, new Messages.SubmitCode({ code: Redacted.make("12345") }))
      const encoded = yield* Messages.encodeCommandMessage(message).pipe(withBox)
      const otherBox = yield* SecretBox.make(yield* SecretBox.generateKey)
      const error = yield* Effect.flip(
        Messages.decodeCommandMessage(encoded).pipe(Effect.provideService(SecretBox, otherBox))
      )
      const reason = describeIssue(error.issue)
      assert.include(reason, "command.code")
      assert.include(reason, "does not decrypt")

      const tampered = { ...encoded, command: { _tag: "SubmitCode", code: "12345" } }
      const plain = yield* Effect.flip(Messages.decodeCommandMessage(tampered).pipe(withBox))
      assert.notInclude(describeIssue(plain.issue), "12345")
    }))

  it.effect("a key that is not 32 bytes of base64 is refused", () =>
    Effect.gen(function*() {
      for (const bad of ["", "not base64!", Buffer.alloc(16).toString("base64")]) {
        const error = yield* Effect.flip(SecretBox.make(Redacted.make(bad)))
        assert.strictEqual(error.reason, "InvalidKey")
      }
    }))

  it.effect("a response carries its command's typed success value or its TDLib error", () =>
    Effect.gen(function*() {
      const command = new Messages.GetChats({ limit: 10 })
      const request = yield* Messages.commandMessage(phone, command)
      const chats = [new Messages.Chat({ id: -1001234, title: "Pães", kind: "supergroup", memberCount: 12 })]
      const response = yield* throughJson(Messages.Response, yield* Messages.succeed(request, chats))
      assert.strictEqual(response.requestId, request.requestId)
      const value: ReadonlyArray<Messages.Chat> = yield* Messages.resultOf(command, response)
      assert.deepStrictEqual(value, chats)

      const invalid = new Messages.CommandError({ code: 400, message: "PHONE_CODE_INVALID" })
      const failed = yield* throughJson(Messages.Response, yield* Messages.fail(request, invalid))
      const error = yield* Effect.flip(Messages.resultOf(command, failed))
      assert.deepStrictEqual(error, invalid)

      const ping = yield* Messages.commandMessage(phone, new Messages.Ping())
      const pong = yield* throughJson(Messages.Response, yield* Messages.succeed(ping, undefined))
      assert.isUndefined(yield* Messages.resultOf(ping.command, pong))
    }))

  it.effect("respondWith runs the handler of the request's command and answers with its outcome", () =>
    Effect.gen(function*() {
      const me = new Messages.TelegramUser({
        userId: 42,
        firstName: "Ana",
        lastName: "Lima",
        phoneNumber: phone
      })
      const unexpected = () => Effect.fail(new Messages.CommandError({ code: 400, message: "UNEXPECTED" }))
      const handlers: Messages.CommandHandlers<never> = {
        StartLogin: unexpected,
        ResendCode: unexpected,
        SubmitCode: (command) =>
          Redacted.value(command.code) === "24680"
            ? Effect.void
            : Effect.fail(new Messages.CommandError({ code: 400, message: "PHONE_CODE_INVALID" })),
        SubmitPassword: unexpected,
        SubmitEmailCode: unexpected,
        LogOut: unexpected,
        GetChats: unexpected,
        GetChat: unexpected,
        SendMessage: (command) => Effect.succeed(new Messages.SentMessage({ chatId: command.chatId, messageId: 9 })),
        GetMe: () => Effect.succeed(me),
        SetWatchedChats: unexpected,
        Ping: () => Effect.void
      }
      const getMe = yield* Messages.commandMessage(phone, new Messages.GetMe())
      const answer = yield* throughJson(Messages.Response, yield* Messages.respondWith(getMe, handlers))
      assert.deepStrictEqual(yield* Messages.resultOf(getMe.command, answer), me)

      const wrongCode = yield* Messages.commandMessage(phone, new Messages.SubmitCode({ code: Redacted.make("11111") }))
      const refused = yield* Messages.respondWith(wrongCode, handlers)
      const error = yield* Effect.flip(Messages.resultOf(wrongCode.command, refused))
      assert.strictEqual(error.message, "PHONE_CODE_INVALID")
      assert.notInclude(JSON.stringify(yield* Messages.encodeResponse(refused)), "11111")
    }))
})
