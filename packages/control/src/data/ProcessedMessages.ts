/**
 * The idempotency record for purchase handling: a (user, chat, message) is claimed exactly
 * once, however many times Telegram or the queue deliver it.
 */
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import type { UserId } from "./UserId.ts"

export interface MessageKey {
  readonly userId: UserId
  readonly chatId: number
  readonly messageId: number
}

const decodeCount = Schema.decodeUnknownEffect(Schema.Struct({ count: SafeIntFromInt8 }))

export class ProcessedMessages extends Context.Service<ProcessedMessages, {
  /** `true` for the one caller that claims the message; `false` for every later delivery. */
  readonly claim: (message: MessageKey) => Effect.Effect<boolean, DatabaseError>
  /** Gives a claim back when handling failed, so a redelivery is handled again. */
  readonly release: (message: MessageKey) => Effect.Effect<void, DatabaseError>
  /** Forgets claims older than `before` (redeliveries stop long before); returns how many. */
  readonly pruneBefore: (before: Date) => Effect.Effect<number, DatabaseError>
}>()("@vigia/control/data/ProcessedMessages") {
  static readonly layer = Layer.effect(
    ProcessedMessages,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const claim = Effect.fn("ProcessedMessages.claim")(function*(message: MessageKey) {
        const now = yield* DateTime.nowAsDate
        const claimed = yield* sql`
          INSERT INTO processed_messages (user_id, chat_id, message_id, processed_at)
          VALUES (${message.userId}, ${message.chatId}, ${message.messageId}, ${now})
          ON CONFLICT DO NOTHING
          RETURNING message_id`
        return claimed.length === 1
      }, orDatabaseError)

      const release = Effect.fn("ProcessedMessages.release")(function*(message: MessageKey) {
        yield* sql`
          DELETE FROM processed_messages
          WHERE user_id = ${message.userId} AND chat_id = ${message.chatId} AND message_id = ${message.messageId}`
      }, orDatabaseError)

      const pruneBefore = Effect.fn("ProcessedMessages.pruneBefore")(function*(before: Date) {
        const [row] = yield* sql`
          WITH deleted AS (DELETE FROM processed_messages WHERE processed_at < ${before} RETURNING 1)
          SELECT count(*) AS count FROM deleted`
        return (yield* decodeCount(row)).count
      }, orDatabaseError)

      return ProcessedMessages.of({ claim, release, pruneBefore })
    })
  )
}
