/**
 * The step each seller is in with the bot (waiting for a phone, a login code, a password,
 * a price table), kept in PostgreSQL so a restarted control plane picks up where it was.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"

export class Idle extends Schema.TaggedClass<Idle>()("Idle", {}) {}

export class AwaitingPhone extends Schema.TaggedClass<AwaitingPhone>()("AwaitingPhone", {}) {}

/** Login started for `phone`; the worker's next login step tells what to ask. */
export class AwaitingLoginStep extends Schema.TaggedClass<AwaitingLoginStep>()("AwaitingLoginStep", {
  phone: PhoneNumber
}) {}

export class AwaitingCode extends Schema.TaggedClass<AwaitingCode>()("AwaitingCode", {
  phone: PhoneNumber,
  length: Schema.Int,
  attempts: Schema.Int,
  /** When Telegram lets the code be sent again by another way (ms since the epoch); `null`: it names no other way. */
  resendableAt: Schema.NullOr(Schema.Number).pipe(Schema.withDecodingDefaultKey(Effect.succeed(null)))
}) {}

export class AwaitingPassword extends Schema.TaggedClass<AwaitingPassword>()("AwaitingPassword", {
  phone: PhoneNumber,
  hint: Schema.String,
  attempts: Schema.Int
}) {}

export class AwaitingEmailCode extends Schema.TaggedClass<AwaitingEmailCode>()("AwaitingEmailCode", {
  phone: PhoneNumber,
  attempts: Schema.Int,
  /** Digits in the code; 0 when Telegram does not say. */
  length: Schema.Int.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)))
}) {}

export class AwaitingPriceTable extends Schema.TaggedClass<AwaitingPriceTable>()("AwaitingPriceTable", {}) {}

export const Step = Schema.Union([
  Idle,
  AwaitingPhone,
  AwaitingLoginStep,
  AwaitingCode,
  AwaitingPassword,
  AwaitingEmailCode,
  AwaitingPriceTable
])
export type Step = typeof Step.Type

const StepJson = Schema.fromJsonString(Step)
const decodeStep = Schema.decodeUnknownEffect(StepJson)
const encodeStep = Schema.encodeEffect(StepJson)

export class Conversations extends Context.Service<Conversations, {
  /** The seller's step; `Idle` when none was stored (or it no longer decodes). */
  readonly get: (telegramUserId: number) => Effect.Effect<Step, DatabaseError>
  readonly set: (telegramUserId: number, step: Step) => Effect.Effect<void, DatabaseError>
  /** The seller who is logging in with `phone`, if any, and their step. */
  readonly findByPhone: (phone: PhoneNumber) => Effect.Effect<
    { readonly telegramUserId: number; readonly step: Step } | undefined,
    DatabaseError
  >
}>()("@vigia/control/data/Conversations") {
  static readonly layer = Layer.effect(
    Conversations,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const get = Effect.fn("Conversations.get")(function*(telegramUserId: number) {
        const [row] = yield* sql<{ readonly step: string }>`
          SELECT step::text AS step FROM conversations WHERE telegram_user_id = ${telegramUserId}`
        if (row === undefined) return new Idle()
        return yield* decodeStep(row.step).pipe(
          Effect.catchTag("SchemaError", (error) =>
            Effect.logWarning("a stored conversation step did not decode; starting over").pipe(
              Effect.annotateLogs({ reason: error.message }),
              Effect.as(new Idle())
            ))
        )
      }, orDatabaseError)

      const set = Effect.fn("Conversations.set")(function*(telegramUserId: number, step: Step) {
        if (step._tag === "Idle") {
          yield* sql`DELETE FROM conversations WHERE telegram_user_id = ${telegramUserId}`
          return
        }
        const encoded = yield* encodeStep(step)
        const phone = "phone" in step ? step.phone : null
        yield* sql`
          INSERT INTO conversations (telegram_user_id, step, phone_number, updated_at)
          VALUES (${telegramUserId}, ${encoded}::jsonb, ${phone}, now())
          ON CONFLICT (telegram_user_id)
          DO UPDATE SET step = EXCLUDED.step, phone_number = EXCLUDED.phone_number, updated_at = now()`
      }, orDatabaseError)

      const findByPhone = Effect.fn("Conversations.findByPhone")(function*(phone: PhoneNumber) {
        const [row] = yield* sql<{ readonly telegramUserId: string; readonly step: string }>`
          SELECT telegram_user_id::text AS telegram_user_id, step::text AS step
          FROM conversations WHERE phone_number = ${phone}`
        if (row === undefined) return undefined
        return { telegramUserId: Number(row.telegramUserId), step: yield* decodeStep(row.step) }
      }, orDatabaseError)

      return Conversations.of({ get, set, findByPhone })
    })
  )
}
