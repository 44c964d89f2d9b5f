/**
 * The values messages are made of: the protocol version, timestamps, request ids, TDLib's ids, sealed secrets,
 * and the chats, users and sent messages that successes and updates carry.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Redacted, Schema, SchemaGetter, SchemaIssue } from "effect"
import * as Crypto from "node:crypto"
import { SecretBox } from "../SecretBox.ts"

/** Bumped when a message changes shape incompatibly; a message of another version does not decode. */
export const protocolVersion = 1
export const ProtocolVersion = Schema.Literal(protocolVersion)

/** Milliseconds since the epoch. */
export const Timestamp = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** Correlates a response with its command; safe inside a BullMQ job id (no `:`). */
export const RequestId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { expected: "a request id of 1-64 letters, digits, - or _" })),
  Schema.brand("RequestId")
)
export type RequestId = typeof RequestId.Type

export const makeRequestId: Effect.Effect<RequestId> = Effect.sync(() => Crypto.randomUUID() as RequestId)

/** TDLib's 53-bit chat, message and user identifiers. */
export const ChatId = Schema.Int
export const MessageId = Schema.Int
export const UserId = Schema.Int

/**
 * A secret (login code, 2FA password, email code): `Redacted` in memory, AES-GCM ciphertext on the wire,
 * sealed and opened with the session's `SecretBox`. Ciphertext that does not open is a decode failure.
 */
export const Secret = Schema.String.pipe(
  Schema.decodeTo(Schema.Redacted(Schema.String), {
    decode: SchemaGetter.transformEffect((sealed: string) =>
      SecretBox.use((box) => box.open(sealed)).pipe(
        Effect.mapError((error) => new SchemaIssue.InvalidValue({ message: error.message }))
      )
    ),
    encode: SchemaGetter.transformEffect((secret: Redacted.Redacted<string>) => SecretBox.use((box) => box.seal(secret)))
  })
)

export const ChatKind = Schema.Literals(["private", "group", "supergroup", "channel"])
export type ChatKind = typeof ChatKind.Type

export class Chat extends Schema.Class<Chat>("@vigia/protocol/Chat")({
  id: ChatId,
  title: Schema.String,
  kind: ChatKind,
  memberCount: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

export class TelegramUser extends Schema.Class<TelegramUser>("@vigia/protocol/TelegramUser")({
  userId: UserId,
  firstName: Schema.String,
  lastName: Schema.String,
  username: Schema.optionalKey(Schema.String),
  phoneNumber: PhoneNumber
}) {}

export class SentMessage extends Schema.Class<SentMessage>("@vigia/protocol/SentMessage")({
  chatId: ChatId,
  messageId: MessageId
}) {}
