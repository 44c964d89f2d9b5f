/**
 * Vigia's users: created (with a free subscription) on their first interaction with the bot,
 * and mapped to the phone number and Telegram account Telegram authorized at login, until they log out.
 */
import { mask, PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, DateTime, Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "./AuditLog.ts"
import { DatabaseError, isUniqueViolation, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { NewSellerPlan } from "./Subscriptions.ts"
import { UserId, UserNotFound } from "./UserId.ts"

/**
 * A user. Telegram ids are JavaScript numbers, as grammY and TDLib give them: safe integers
 * stored in `int8` columns and read back exactly.
 */
export class User extends Schema.Class<User>("@vigia/control/data/User")({
  id: UserId,
  /** The user's id as the bot sees it. */
  telegramUserId: SafeIntFromInt8,
  phoneNumber: Schema.NullOr(PhoneNumber),
  /** The id of the Telegram account connected at login (`getMe`); `null` when logged out. */
  telegramAccountId: Schema.NullOr(SafeIntFromInt8),
  firstName: Schema.String,
  lastName: Schema.NullOr(Schema.String),
  username: Schema.NullOr(Schema.String),
  languageCode: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** Who the bot is talking to, as an update from Telegram describes them. */
export interface TelegramProfile {
  readonly telegramUserId: number
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  readonly languageCode: string | null
}

export class PhoneNumberTaken extends Schema.TaggedError<PhoneNumberTaken>()("PhoneNumberTaken", {
  message: Schema.String
}) {}

export class UserError extends Schema.TaggedError<UserError>()("UserError", {
  reason: Schema.Union([UserNotFound, PhoneNumberTaken])
}) {}

const decodeUser = Schema.decodeUnknownEffect(User)

const notFound = (message: string) => new UserError({ reason: new UserNotFound({ message }) })

const sameProfile = (user: User, profile: TelegramProfile): boolean =>
  user.firstName === profile.firstName && user.lastName === profile.lastName &&
  user.username === profile.username && user.languageCode === profile.languageCode

export class Users extends Context.Service<Users, {
  /** The user behind a bot update, created with the new sellers' plan (`NewSellerPlan`, one transaction) on first contact. */
  readonly getOrCreate: (profile: TelegramProfile) => Effect.Effect<User, DatabaseError>
  readonly get: (userId: UserId) => Effect.Effect<User, UserError | DatabaseError>
  readonly findByTelegramId: (telegramUserId: number) => Effect.Effect<User, UserError | DatabaseError>
  /** The user a connected phone number belongs to. */
  readonly findByPhone: (phoneNumber: PhoneNumber) => Effect.Effect<User, UserError | DatabaseError>
  /** After login: the phone number and the Telegram account it opened, audited as `login`. */
  readonly recordLogin: (
    userId: UserId,
    login: { readonly phoneNumber: PhoneNumber; readonly telegramAccountId: number }
  ) => Effect.Effect<User, UserError | DatabaseError>
  /**
   * After a logout Telegram confirmed (TDLib destroyed the account's local data): forgets the Telegram account and
   * releases the phone number, audited as `logout`.
   */
  readonly recordLogout: (userId: UserId) => Effect.Effect<User, UserError | DatabaseError>
}>()("@vigia/control/data/Users") {
  static readonly layer = Layer.effect(
    Users,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog
      const newSellerPlan = yield* NewSellerPlan

      const selectOne = (rows: ReadonlyArray<unknown>) =>
        rows[0] === undefined ? Effect.succeedNone : Effect.asSome(decodeUser(rows[0]))

      const byTelegramId = (telegramUserId: number) =>
        Effect.flatMap(sql`SELECT * FROM users WHERE telegram_user_id = ${telegramUserId}`, selectOne)

      const create = (profile: TelegramProfile) =>
        sql.withTransaction(Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          const [inserted] = yield* sql`
            INSERT INTO users (telegram_user_id, first_name, last_name, username, language_code, created_at, updated_at)
            VALUES (${profile.telegramUserId}, ${profile.firstName}, ${profile.lastName}, ${profile.username},
                    ${profile.languageCode}, ${now}, ${now})
            ON CONFLICT (telegram_user_id) DO NOTHING
            RETURNING *`
          if (inserted === undefined) {
            // Another request created this user first; its row is committed and visible now.
            const existing = yield* byTelegramId(profile.telegramUserId)
            if (Option.isNone(existing)) {
              return yield* new DatabaseError({ message: "a user row vanished while being created", cause: null })
            }
            return existing.value
          }
          const user = yield* decodeUser(inserted)
          const { duration, plan } = newSellerPlan
          const expiresAt = duration === null ? null : new Date(now.getTime() + Duration.toMillis(duration))
          yield* sql`
            INSERT INTO subscriptions (user_id, plan, expires_at, created_at, updated_at)
            VALUES (${user.id}, ${plan}, ${expiresAt}, ${now}, ${now})`
          if (plan !== "free") {
            yield* audit.append({
              userId: user.id,
              action: "plan-changed",
              details: { plan, previousPlan: null, expiresAt: expiresAt?.toISOString() ?? null, source: "default" }
            })
          }
          return user
        }))

      const updateProfile = (userId: UserId, profile: TelegramProfile) =>
        Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          const [row] = yield* sql`
            UPDATE users SET first_name = ${profile.firstName}, last_name = ${profile.lastName},
              username = ${profile.username}, language_code = ${profile.languageCode}, updated_at = ${now}
            WHERE id = ${userId}
            RETURNING *`
          return yield* decodeUser(row)
        })

      const getOrCreate = Effect.fn("Users.getOrCreate")(function*(profile: TelegramProfile) {
        const existing = yield* byTelegramId(profile.telegramUserId)
        const user = Option.isSome(existing) ? existing.value : yield* create(profile)
        return sameProfile(user, profile) ? user : yield* updateProfile(user.id, profile)
      }, orDatabaseError)

      const get = Effect.fn("Users.get")(function*(userId: UserId) {
        const found = yield* Effect.flatMap(sql`SELECT * FROM users WHERE id = ${userId}`, selectOne)
        if (Option.isNone(found)) return yield* notFound(`no user with id ${userId}`)
        return found.value
      }, orDatabaseError)

      const findByTelegramId = Effect.fn("Users.findByTelegramId")(function*(telegramUserId: number) {
        const found = yield* byTelegramId(telegramUserId)
        if (Option.isNone(found)) return yield* notFound(`no user with Telegram id ${telegramUserId}`)
        return found.value
      }, orDatabaseError)

      const findByPhone = Effect.fn("Users.findByPhone")(function*(phoneNumber: PhoneNumber) {
        const found = yield* Effect.flatMap(sql`SELECT * FROM users WHERE phone_number = ${phoneNumber}`, selectOne)
        if (Option.isNone(found)) return yield* notFound(`no user with phone number ${mask(phoneNumber)}`)
        return found.value
      }, orDatabaseError)

      const recordLogin = Effect.fn("Users.recordLogin")(
        function*(userId: UserId, login: { readonly phoneNumber: PhoneNumber; readonly telegramAccountId: number }) {
          return yield* sql.withTransaction(Effect.gen(function*() {
            const now = yield* DateTime.nowAsDate
            const [row] = yield* sql`
              UPDATE users SET phone_number = ${login.phoneNumber}, telegram_account_id = ${login.telegramAccountId},
                updated_at = ${now}
              WHERE id = ${userId}
              RETURNING *`
            if (row === undefined) return yield* notFound(`no user with id ${userId}`)
            yield* audit.append({ userId, action: "login", details: { telegramAccountId: login.telegramAccountId } })
            return yield* decodeUser(row)
          })).pipe(
            Effect.catchIf(isUniqueViolation("users_phone_number_key"), () =>
              Effect.fail(
                new UserError({
                  reason: new PhoneNumberTaken({
                    message: `phone number ${mask(login.phoneNumber)} is already connected by another user`
                  })
                })
              ))
          )
        },
        orDatabaseError
      )

      const recordLogout = Effect.fn("Users.recordLogout")(function*(userId: UserId) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          const [row] = yield* sql`
            UPDATE users SET telegram_account_id = NULL, phone_number = NULL, updated_at = ${now}
            WHERE id = ${userId} RETURNING *`
          if (row === undefined) return yield* notFound(`no user with id ${userId}`)
          yield* audit.append({ userId, action: "logout", details: {} })
          return yield* decodeUser(row)
        }))
      }, orDatabaseError)

      return Users.of({ getOrCreate, get, findByTelegramId, findByPhone, recordLogin, recordLogout })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
