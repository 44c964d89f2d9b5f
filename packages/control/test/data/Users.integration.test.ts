import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { DateTime, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { UserId } from "../../src/data/UserId.ts"
import { type TelegramProfile, Users } from "../../src/data/Users.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const profile = (telegramUserId: number, firstName = "Maria"): TelegramProfile => ({
  telegramUserId,
  firstName,
  lastName: null,
  username: null,
  languageCode: "pt-br"
})

const phone = (digits: string) => digits as PhoneNumber

const counts = (telegramUserId: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ users: bigint; subscriptions: bigint }>`
      SELECT (SELECT count(*) FROM users WHERE telegram_user_id = ${telegramUserId}) AS users,
             (SELECT count(*) FROM subscriptions s JOIN users u ON u.id = s.user_id
               WHERE u.telegram_user_id = ${telegramUserId}) AS subscriptions`
    return { users: Number(row?.users), subscriptions: Number(row?.subscriptions) }
  })

/** Text a name may hold that must come back verbatim: quotes, emoji, SQL, escapes, RTL. */
const NameText = Schema.String.check(Schema.isPattern(/^[^\u0000]*$/))

layer(Layer.mergeAll(Users.layer, AuditLog.layer).pipe(Layer.provideMerge(TestDatabase.layer)))(
  "Users",
  (it) => {
    it.effect("get-or-create called 20 times at once yields one user and one subscription", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const created = yield* Effect.all(
          Array.from({ length: 20 }, () => users.getOrCreate(profile(1_000_001))),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(new Set(created.map((user) => user.id)).size, 1)
        assert.deepStrictEqual(yield* counts(1_000_001), { users: 1, subscriptions: 1 })
      }))

    it.effect("a later interaction refreshes the profile and keeps the same user", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const first = yield* users.getOrCreate(profile(1_000_002, "Ana"))
        const again = yield* users.getOrCreate({ ...profile(1_000_002, "Ana Paula"), username: "anapaula" })
        assert.strictEqual(again.id, first.id)
        assert.strictEqual(again.firstName, "Ana Paula")
        assert.strictEqual(again.username, "anapaula")
        assert.deepStrictEqual(yield* users.findByTelegramId(1_000_002), again)
      }))

    it.effect("Telegram ids beyond 32 bits and at the edge of the safe range come back exactly", () =>
      Effect.gen(function*() {
        const users = yield* Users
        for (const telegramUserId of [2 ** 31, 2 ** 32 + 1, 7_123_456_789, Number.MAX_SAFE_INTEGER]) {
          const user = yield* users.getOrCreate(profile(telegramUserId))
          assert.strictEqual((yield* users.get(user.id)).telegramUserId, telegramUserId)
        }
        const user = yield* users.getOrCreate(profile(1_000_003))
        const loggedIn = yield* users.recordLogin(user.id, {
          phoneNumber: phone("5511912340003"),
          telegramAccountId: Number.MAX_SAFE_INTEGER - 1
        })
        assert.strictEqual(loggedIn.telegramAccountId, Number.MAX_SAFE_INTEGER - 1)
        assert.strictEqual((yield* users.get(user.id)).telegramAccountId, Number.MAX_SAFE_INTEGER - 1)
      }))

    it.effect("an int8 beyond the safe range is a typed DatabaseError, never a rounded number", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const sql = yield* SqlClient.SqlClient
        const user = yield* users.getOrCreate(profile(1_000_004))
        yield* sql`UPDATE users SET telegram_account_id = ${2n ** 53n + 1n} WHERE id = ${user.id}`
        const error = yield* Effect.flip(users.get(user.id))
        assert.strictEqual(error._tag, "DatabaseError")
      }))

    it.effect("names with quotes, emoji and SQL fragments are stored verbatim", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const tricky: TelegramProfile = {
          telegramUserId: 1_000_005,
          firstName: "Robert'); DROP TABLE users;--",
          lastName: "\"O'Brien\" 🛒🍞 $1 \\x00 %_",
          username: "${sql} ' OR 1=1 --",
          languageCode: "ﺎﻠﻋﺮﺒﻳﺓ"
        }
        const created = yield* users.getOrCreate(tricky)
        const read = yield* users.get(created.id)
        assert.deepStrictEqual(
          [read.firstName, read.lastName, read.username, read.languageCode],
          [tricky.firstName, tricky.lastName, tricky.username, tricky.languageCode]
        )
      }))

    let nextId = 2_000_000
    it.effect.prop("any name without NUL round-trips", [NameText, NameText], ([firstName, lastName]) =>
      Effect.gen(function*() {
        const users = yield* Users
        const created = yield* users.getOrCreate({ ...profile(nextId++, firstName), lastName })
        const read = yield* users.get(created.id)
        assert.strictEqual(read.firstName, firstName)
        assert.strictEqual(read.lastName, lastName)
      }), { arbitrary: { runs: 30 } })

    it.effect("login maps the phone number, logout forgets the account and releases the number, both audited", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const audit = yield* AuditLog
        const user = yield* users.getOrCreate(profile(1_000_006))
        yield* users.recordLogin(user.id, { phoneNumber: phone("5511912340006"), telegramAccountId: 42 })
        assert.strictEqual((yield* users.findByPhone(phone("5511912340006"))).id, user.id)
        const loggedOut = yield* users.recordLogout(user.id)
        assert.strictEqual(loggedOut.telegramAccountId, null)
        assert.strictEqual(loggedOut.phoneNumber, null)
        const entries = yield* audit.recent(user.id, 10)
        assert.deepStrictEqual(entries.map((entry) => entry.action), ["logout", "login"])
        assert.deepStrictEqual(entries[1]?.details, { telegramAccountId: 42 })
      }))

    it.effect("the audit log tells when a user's entries of one kind were appended, oldest first", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const audit = yield* AuditLog
        const user = yield* users.getOrCreate(profile(1_000_009))
        yield* audit.append({ userId: user.id, action: "login", details: { step: "started", phone: "+55 *******0001" } })
        yield* TestClock.adjust("1 minute")
        yield* audit.append({ userId: user.id, action: "login", details: { telegramAccountId: 9 } })
        yield* audit.append({ userId: user.id, action: "login", details: { step: "started", phone: "+55 *******0002" } })
        const now = yield* DateTime.nowAsDate
        const all = yield* audit.times(user.id, "login", { step: "started" }, new Date(now.getTime() - 120_000))
        assert.deepStrictEqual(all.map((at) => now.getTime() - at.getTime()), [60_000, 0])
        assert.lengthOf(yield* audit.times(user.id, "login", { step: "started" }, new Date(now.getTime() - 30_000)), 1)
        assert.lengthOf(yield* audit.times(user.id, "logout", {}, new Date(0)), 0)
      }))

    it.effect("a phone number connected by another user is a typed refusal", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const first = yield* users.getOrCreate(profile(1_000_007))
        const second = yield* users.getOrCreate(profile(1_000_008))
        yield* users.recordLogin(first.id, { phoneNumber: phone("5511912340007"), telegramAccountId: 7 })
        const error = yield* Effect.flip(
          users.recordLogin(second.id, { phoneNumber: phone("5511912340007"), telegramAccountId: 8 })
        )
        assert.strictEqual(error._tag, "UserError")
        assert.strictEqual(error._tag === "UserError" && error.reason._tag, "PhoneNumberTaken")
        assert.notInclude(error.message + JSON.stringify(error), "5511912340007")
        assert.strictEqual((yield* users.get(second.id)).phoneNumber, null)
      }))

    it.effect("unknown users are typed refusals", () =>
      Effect.gen(function*() {
        const users = yield* Users
        const byTelegram = yield* Effect.flip(users.findByTelegramId(999))
        const byPhone = yield* Effect.flip(users.findByPhone(phone("5511900000000")))
        const byId = yield* Effect.flip(users.recordLogout(Schema.decodeSync(UserId)("00000000-0000-4000-8000-000000000000")))
        for (const error of [byTelegram, byPhone, byId]) {
          assert.strictEqual(error._tag === "UserError" && error.reason._tag, "UserNotFound")
        }
      }))
  }
)
