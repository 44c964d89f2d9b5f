/**
 * Sessions, one per connected phone number: which runtime runs its worker, the state the
 * control plane wants (running/stopped), the state last observed, heartbeats and the last error.
 */
import { mask, PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { UserId, UserNotFound } from "./UserId.ts"

export const RuntimeKind = Schema.Literals(["inline", "process", "docker", "swarm"])
export type RuntimeKind = typeof RuntimeKind.Type

export const DesiredState = Schema.Literals(["running", "stopped"])
export type DesiredState = typeof DesiredState.Type

export const ObservedState = Schema.Literals([
  "starting",
  "running",
  "waiting-for-code",
  "waiting-for-password",
  "authorized",
  "logged-out",
  "stopped",
  "dead"
])
export type ObservedState = typeof ObservedState.Type

export class Session extends Schema.Class<Session>("@vigia/control/data/Session")({
  phoneNumber: PhoneNumber,
  userId: UserId,
  runtime: RuntimeKind,
  /** The container, Swarm service or process running the worker; `null` until there is one. */
  runtimeRef: Schema.NullOr(Schema.String),
  desiredState: DesiredState,
  observedState: ObservedState,
  lastHeartbeatAt: Schema.NullOr(Schema.Date),
  /** The latest error reported, kept until the session is registered again. */
  lastError: Schema.NullOr(Schema.String),
  /** The Swarm node its worker is pinned to (where its volume is); `null` until it first runs there. */
  nodeId: Schema.NullOr(Schema.String),
  /** When its latest login began (`register`). */
  loginStartedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  message: Schema.String
}) {}

export class PhoneInUse extends Schema.TaggedError<PhoneInUse>()("PhoneInUse", {
  message: Schema.String
}) {}

export class SessionsError extends Schema.TaggedError<SessionsError>()("SessionsError", {
  reason: Schema.Union([UserNotFound, SessionNotFound, PhoneInUse])
}) {}

/** Which sessions `list` returns; every given condition must hold. */
export interface SessionFilter {
  readonly desired?: DesiredState
  readonly observed?: ReadonlyArray<ObservedState>
  /** Only sessions whose last heartbeat is older than this, or that never sent one. */
  readonly heartbeatBefore?: Date
  readonly userId?: UserId
  /** Only sessions whose latest login began before this. */
  readonly loginStartedBefore?: Date
  /** Only sessions whose phone is bound to their user (`true`), or only those whose is not (`false`). */
  readonly bound?: boolean
}

const decodeSession = Schema.decodeUnknownEffect(Session)
const decodeSessions = Schema.decodeUnknownEffect(Schema.Array(Session))

const sessionNotFound = (phoneNumber: PhoneNumber) =>
  new SessionsError({ reason: new SessionNotFound({ message: `no session for ${mask(phoneNumber)}` }) })

export class Sessions extends Context.Service<Sessions, {
  /**
   * Records that a login begins for the user's phone number: desired `running`, observed `starting`, no runtime
   * reference nor error yet. Another user's session of the number refuses it (`PhoneInUse`) while it holds it:
   * while its login goes on (desired `running`), or once the number is bound to that user (`Users.recordLogin`).
   */
  readonly register: (
    userId: UserId,
    phoneNumber: PhoneNumber,
    runtime: RuntimeKind
  ) => Effect.Effect<Session, SessionsError | DatabaseError>
  readonly get: (phoneNumber: PhoneNumber) => Effect.Effect<Session, SessionsError | DatabaseError>
  readonly setDesired: (
    phoneNumber: PhoneNumber,
    desired: DesiredState
  ) => Effect.Effect<Session, SessionsError | DatabaseError>
  readonly setRuntimeRef: (
    phoneNumber: PhoneNumber,
    runtimeRef: string | null
  ) => Effect.Effect<Session, SessionsError | DatabaseError>
  /** Records the Swarm node the worker is pinned to, or (`null`) that it is pinned to none. */
  readonly setNode: (
    phoneNumber: PhoneNumber,
    nodeId: string | null
  ) => Effect.Effect<Session, SessionsError | DatabaseError>
  /** The state the worker reported or the runtime saw, with its error if there was one. */
  readonly recordObserved: (
    phoneNumber: PhoneNumber,
    observed: ObservedState,
    error: string | null
  ) => Effect.Effect<Session, SessionsError | DatabaseError>
  readonly heartbeat: (phoneNumber: PhoneNumber) => Effect.Effect<void, SessionsError | DatabaseError>
  readonly list: (filter: SessionFilter) => Effect.Effect<ReadonlyArray<Session>, DatabaseError>
  readonly remove: (phoneNumber: PhoneNumber) => Effect.Effect<void, SessionsError | DatabaseError>
}>()("@vigia/control/data/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      /** The session's phone is bound to its user: Telegram authorized it, and no logout released it since. */
      const bound = sql.literal(
        "EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.phone_number = sessions.phone_number)"
      )

      const update = (phoneNumber: PhoneNumber, values: Record<string, unknown>) =>
        Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          const [row] = yield* sql`
            UPDATE sessions SET ${sql.update({ ...values, updatedAt: now })}
            WHERE phone_number = ${phoneNumber}
            RETURNING *`
          if (row === undefined) return yield* sessionNotFound(phoneNumber)
          return yield* decodeSession(row)
        })

      const register = Effect.fn("Sessions.register")(
        function*(userId: UserId, phoneNumber: PhoneNumber, runtime: RuntimeKind) {
          return yield* sql.withTransaction(Effect.gen(function*() {
            const [user] = yield* sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`
            if (user === undefined) {
              return yield* new SessionsError({ reason: new UserNotFound({ message: `no user with id ${userId}` }) })
            }
            const now = yield* DateTime.nowAsDate
            const [row] = yield* sql`
              INSERT INTO sessions (phone_number, user_id, runtime, runtime_ref, desired_state, observed_state,
                                    last_heartbeat_at, last_error, created_at, updated_at, login_started_at)
              VALUES (${phoneNumber}, ${userId}, ${runtime}, NULL, 'running', 'starting', NULL, NULL, ${now}, ${now}, ${now})
              ON CONFLICT (phone_number) DO UPDATE SET
                user_id = EXCLUDED.user_id, runtime = EXCLUDED.runtime, runtime_ref = NULL, desired_state = 'running',
                observed_state = 'starting', last_error = NULL, updated_at = EXCLUDED.updated_at,
                login_started_at = EXCLUDED.login_started_at
              WHERE sessions.user_id = EXCLUDED.user_id
                 OR (sessions.desired_state = 'stopped' AND NOT ${bound})
              RETURNING *`
            if (row === undefined) {
              return yield* new SessionsError({
                reason: new PhoneInUse({ message: `${mask(phoneNumber)} already has a session for another user` })
              })
            }
            return yield* decodeSession(row)
          }))
        },
        orDatabaseError
      )

      const get = Effect.fn("Sessions.get")(function*(phoneNumber: PhoneNumber) {
        const [row] = yield* sql`SELECT * FROM sessions WHERE phone_number = ${phoneNumber}`
        if (row === undefined) return yield* sessionNotFound(phoneNumber)
        return yield* decodeSession(row)
      }, orDatabaseError)

      const setDesired = Effect.fn("Sessions.setDesired")(function*(phoneNumber: PhoneNumber, desired: DesiredState) {
        return yield* update(phoneNumber, { desiredState: desired })
      }, orDatabaseError)

      const setRuntimeRef = Effect.fn("Sessions.setRuntimeRef")(
        function*(phoneNumber: PhoneNumber, runtimeRef: string | null) {
          return yield* update(phoneNumber, { runtimeRef })
        },
        orDatabaseError
      )

      const setNode = Effect.fn("Sessions.setNode")(function*(phoneNumber: PhoneNumber, nodeId: string | null) {
        return yield* update(phoneNumber, { nodeId })
      }, orDatabaseError)

      const recordObserved = Effect.fn("Sessions.recordObserved")(
        function*(phoneNumber: PhoneNumber, observed: ObservedState, error: string | null) {
          return yield* update(
            phoneNumber,
            error === null ? { observedState: observed } : { observedState: observed, lastError: error }
          )
        },
        orDatabaseError
      )

      const heartbeat = Effect.fn("Sessions.heartbeat")(function*(phoneNumber: PhoneNumber) {
        yield* update(phoneNumber, { lastHeartbeatAt: yield* DateTime.nowAsDate })
      }, orDatabaseError)

      const list = Effect.fn("Sessions.list")(function*(filter: SessionFilter) {
        const conditions = [
          ...(filter.desired === undefined ? [] : [sql`desired_state = ${filter.desired}`]),
          ...(filter.observed === undefined ? [] : [sql`observed_state = ANY(${[...filter.observed]})`]),
          ...(filter.heartbeatBefore === undefined
            ? []
            : [sql`(last_heartbeat_at IS NULL OR last_heartbeat_at < ${filter.heartbeatBefore})`]),
          ...(filter.userId === undefined ? [] : [sql`user_id = ${filter.userId}`]),
          ...(filter.loginStartedBefore === undefined ? [] : [sql`login_started_at < ${filter.loginStartedBefore}`]),
          ...(filter.bound === undefined ? [] : [filter.bound ? bound : sql`NOT ${bound}`])
        ]
        return yield* decodeSessions(
          yield* sql`SELECT * FROM sessions WHERE ${sql.and(conditions)} ORDER BY phone_number`
        )
      }, orDatabaseError)

      const remove = Effect.fn("Sessions.remove")(function*(phoneNumber: PhoneNumber) {
        const [row] = yield* sql`DELETE FROM sessions WHERE phone_number = ${phoneNumber} RETURNING phone_number`
        if (row === undefined) return yield* sessionNotFound(phoneNumber)
      }, orDatabaseError)

      return Sessions.of({ register, get, setDesired, setRuntimeRef, setNode, recordObserved, heartbeat, list, remove })
    })
  )
}
