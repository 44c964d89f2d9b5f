/**
 * The control plane's PostgreSQL: a pooled `SqlClient`, connected with retries at start-up,
 * and a health query for readiness.
 */
import { PgClient } from "@effect/sql-pg"
import {
  Config,
  Context,
  Duration,
  Effect,
  Layer,
  Predicate,
  Redacted,
  Schedule,
  Schema,
  String as Str
} from "effect"
import { SqlClient } from "effect/sql"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"

/** PostgreSQL could not answer, or answered with a row this code cannot read. */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  message: Schema.String,
  cause: Schema.Defect()
}) {
  /** A connection lost or refused, or PostgreSQL saying "not now" (starting, shutting down, full): waiting fixes it. */
  get transient(): boolean {
    return isSqlError(this.cause) && isTransient(this.cause)
  }
}

const describe = (error: SqlError | Schema.SchemaError): string =>
  error._tag === "SchemaError"
    ? `a row did not decode: ${error.message}`
    : `${error.reason._tag}: ${error.reason.cause instanceof Error ? error.reason.cause.message : error.message}`

const isStorageFailure = (error: unknown): error is SqlError | Schema.SchemaError =>
  isSqlError(error) || Schema.isSchemaError(error)

/** SQL failures and undecodable rows become a `DatabaseError`; every other error passes through. */
export const orDatabaseError = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError | Schema.SchemaError> | DatabaseError, R> =>
  Effect.catch(self, (error): Effect.Effect<never, Exclude<E, SqlError | Schema.SchemaError> | DatabaseError> =>
    isStorageFailure(error)
      ? Effect.fail(new DatabaseError({ message: describe(error), cause: error }))
      : Effect.fail(error as Exclude<E, SqlError | Schema.SchemaError>))

/** Is this the unique violation of `constraint` (a conflict the caller turns into its own refusal)? */
export const isUniqueViolation = (constraint: string) => (error: unknown): error is SqlError =>
  isSqlError(error) && error.reason._tag === "UniqueViolation" && error.reason.constraint === constraint

export interface DatabaseOptions {
  readonly url: Redacted.Redacted<string>
  /** Most connections the pool opens. */
  readonly poolSize: number
  /** How long start-up keeps retrying a PostgreSQL that is not reachable yet. */
  readonly startupTimeout: Duration.Input
}

/** SQLSTATEs that mean "not now": shutting down, starting up, too many connections. */
const transientStates = new Set(["57P01", "57P02", "57P03", "53300"])

const sqlStateOf = (error: SqlError): string | undefined => {
  const cause = error.reason.cause
  return Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) ? cause.code : undefined
}

const isTransient = (error: SqlError): boolean => error.isRetryable || transientStates.has(sqlStateOf(error) ?? "")

const startupSchedule = (timeout: Duration.Input) =>
  Schedule.exponential("200 millis").pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(5)))),
    Schedule.upTo({ duration: timeout })
  )

const connect = Effect.fnUntraced(function*(options: DatabaseOptions) {
  const sql = yield* SqlClient.SqlClient
  const ping = Effect.asVoid(sql`SELECT 1`)
  yield* ping.pipe(
    Effect.tapError((error) =>
      isTransient(error)
        ? Effect.logWarning("PostgreSQL is not reachable yet; retrying").pipe(
          Effect.annotateLogs({ reason: error.reason._tag, code: sqlStateOf(error) ?? "none" })
        )
        : Effect.void
    ),
    Effect.retry({ while: isTransient, schedule: startupSchedule(options.startupTimeout) }),
    orDatabaseError
  )
  yield* Effect.logInfo("connected to PostgreSQL").pipe(Effect.annotateLogs({ poolSize: options.poolSize }))
  const health = ping.pipe(
    Effect.timeoutOrElse({
      duration: "2 seconds",
      orElse: () =>
        Effect.fail(new DatabaseError({ message: "the health query took longer than 2 seconds", cause: null }))
    }),
    orDatabaseError,
    Effect.withSpan("Database.health")
  )
  return Database.of({ health })
})

export class Database extends Context.Service<Database, {
  /** Readiness: one round trip to PostgreSQL, failing after two seconds. */
  readonly health: Effect.Effect<void, DatabaseError>
}>()("@vigia/control/data/Database") {
  /** The pool for `options.url`, provided only once PostgreSQL has answered. */
  static readonly layer = (options: DatabaseOptions) =>
    Layer.effect(Database, connect(options)).pipe(
      Layer.provideMerge(
        PgClient.layerFrom(
          PgClient.make({
            url: options.url,
            maxConnections: options.poolSize,
            applicationName: "vigia-control",
            transformResultNames: Str.snakeToCamel,
            transformQueryNames: Str.camelToSnake
          }).pipe(orDatabaseError)
        )
      )
    )

  static readonly layerConfig = (config: Config.Wrap<DatabaseOptions>) =>
    Layer.unwrap(Effect.map(Config.unwrap(config), Database.layer))

  /** The pool over the `EmbeddedPostgres` in context. */
  static readonly layerEmbedded = (options: Omit<DatabaseOptions, "url">) =>
    Layer.unwrap(Effect.gen(function*() {
      const embedded = yield* EmbeddedPostgres
      return Database.layer({ ...options, url: embedded.url })
    }))
}
