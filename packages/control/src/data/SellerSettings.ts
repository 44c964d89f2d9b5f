/**
 * Each seller's settings: their time zone (São Paulo's unless they chose another) and the time of day of their daily
 * summary (none: off, the default). A seller without a row has the defaults.
 */
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import type { UserId } from "./UserId.ts"

export const defaultTimeZone = "America/Sao_Paulo"

/** A time of day, in the seller's time zone. */
export const TimeOfDay = Schema.Struct({
  hour: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 23 })),
  minute: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 59 }))
})
export type TimeOfDay = typeof TimeOfDay.Type

export class Settings extends Schema.Class<Settings>("@vigia/control/data/Settings")({
  timeZone: Schema.String,
  /** When the daily summary is sent; none: it is off. */
  summaryAt: Schema.NullOr(TimeOfDay),
  /** Telegram refused a summary because the seller blocked the bot: none is sent until they ask again. */
  summaryBlocked: Schema.Boolean
}) {}

const decodeSettings = Schema.decodeUnknownEffect(Schema.Struct({
  timeZone: Schema.String,
  summaryHour: Schema.NullOr(Schema.Int),
  summaryMinute: Schema.Int,
  summaryBlocked: Schema.Boolean
}))

export class SellerSettings extends Context.Service<SellerSettings, {
  readonly get: (userId: UserId) => Effect.Effect<Settings, DatabaseError>
  /** Turns the daily summary on at `at` (the seller asked: a block recorded earlier is lifted), or off with none. */
  readonly setSummary: (userId: UserId, at: TimeOfDay | null) => Effect.Effect<Settings, DatabaseError>
  /** The seller's time zone, an IANA name; none (nothing changed) when PostgreSQL does not know it. */
  readonly setTimeZone: (userId: UserId, timeZone: string) => Effect.Effect<Option.Option<Settings>, DatabaseError>
}>()("@vigia/control/data/SellerSettings") {
  static readonly layer = Layer.effect(
    SellerSettings,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const settingsOf = (rows: ReadonlyArray<unknown>) =>
        rows[0] === undefined
          ? Effect.succeed(new Settings({ timeZone: defaultTimeZone, summaryAt: null, summaryBlocked: false }))
          : Effect.map(decodeSettings(rows[0]), (row) =>
            new Settings({
              timeZone: row.timeZone,
              summaryAt: row.summaryHour === null ? null : { hour: row.summaryHour, minute: row.summaryMinute },
              summaryBlocked: row.summaryBlocked
            }))

      const columns = sql`time_zone, summary_hour, summary_minute, summary_blocked_at IS NOT NULL AS summary_blocked`

      const get = Effect.fn("SellerSettings.get")(function*(userId: UserId) {
        return yield* settingsOf(yield* sql`SELECT ${columns} FROM seller_settings WHERE user_id = ${userId}`)
      }, orDatabaseError)

      const setSummary = Effect.fn("SellerSettings.setSummary")(function*(userId: UserId, at: TimeOfDay | null) {
        const now = yield* DateTime.nowAsDate
        return yield* settingsOf(yield* sql`
          INSERT INTO seller_settings (user_id, summary_hour, summary_minute, updated_at)
          VALUES (${userId}, ${at?.hour ?? null}, ${at?.minute ?? 0}, ${now})
          ON CONFLICT (user_id) DO UPDATE SET summary_hour = excluded.summary_hour,
            summary_minute = excluded.summary_minute, summary_blocked_at = NULL, updated_at = excluded.updated_at
          RETURNING ${columns}`)
      }, orDatabaseError)

      const setTimeZone = Effect.fn("SellerSettings.setTimeZone")(function*(userId: UserId, timeZone: string) {
        const now = yield* DateTime.nowAsDate
        // A zone PostgreSQL does not know would fail every pass of the summary job: it is never stored.
        const rows = yield* sql`
          INSERT INTO seller_settings (user_id, time_zone, updated_at)
          SELECT ${userId}, ${timeZone}, ${now} WHERE EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${timeZone})
          ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at
          RETURNING ${columns}`
        return rows.length === 0 ? Option.none() : Option.some(yield* settingsOf(rows))
      }, orDatabaseError)

      return SellerSettings.of({ get, setSummary, setTimeZone })
    })
  )
}
