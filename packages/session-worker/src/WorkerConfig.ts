/**
 * The session worker's configuration: every environment variable the worker reads, by area. A worker that
 * cannot start says why on one line per variable, every problem at once.
 */
import { normalize, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { BullMqOptions } from "@vigia/protocol/Queue"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, Duration, Effect, Option, Redacted, Result, Schema, SchemaIssue } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import type { FakeSettings } from "./tdlib/fake/TdlFake.ts"
import type { TdlibSettings } from "./tdlib/Tdl.ts"

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  /** One line per variable: `invalid configuration: NAME what is wrong`. */
  lines: Schema.Array(Schema.String)
}) {}

/** Which TDLib runs the account, with its settings. */
export type TdlDriver = ({ readonly _tag: "Tdlib" } & TdlibSettings) | ({ readonly _tag: "Fake" } & FakeSettings)

/** What the worker runs with: its account, the timing of its loops, its TDLib. */
export interface WorkerSettings {
  readonly phone: PhoneNumber
  /** Holds the account's folder, `{dataDir}/{phone}`. */
  readonly dataDir: string
  /** Stamped on every update. */
  readonly containerId: string
  /** The AES-GCM key of the account's login codes and passwords on the wire (base64, 32 bytes). */
  readonly sessionKey: Redacted.Redacted<string>
  readonly heartbeatInterval: Duration.Duration
  /** The longest a command (and any TDLib call) may take. */
  readonly commandTimeout: Duration.Duration
  readonly tdl: TdlDriver
}

/** What the worker program runs with: the worker, the Redis of its queues, its log format. */
export interface ProgramSettings {
  readonly worker: WorkerSettings
  readonly queue: BullMqOptions
  readonly logFormat: "json" | "pretty"
}

/** `{DATA_DIR}/{phone}`: the account's folder, as the seed's volume mapping. */
export const accountFolder = (settings: Pick<WorkerSettings, "dataDir" | "phone">): string =>
  Path.join(settings.dataDir, settings.phone)

// ---------------------------------------------------------------------------------------------------------------
// Reading: every variable on its own, so that each problem is reported, not only the first.

/** A configured value, or the lines saying what is wrong with it. */
export type Checked<A> = Config.Config<Result.Result<A, ReadonlyArray<string>>>
type CheckedValue<C> = C extends Checked<infer A> ? A : never

const line = (name: string, problem: string) => [`invalid configuration: ${name} ${problem}`]

/** What a check refuses; its own message is not shown, since it may hold a secret. */
const refused = new Config.ConfigError(new Schema.SchemaError(new SchemaIssue.InvalidValue()))

/** Reads on through `check`; a value it refuses does not read. */
const checkedBy = <A, B, E>(check: (value: A) => Effect.Effect<B, E>) =>
  Config.mapEffect((value: A) => Effect.mapError(check(value), () => refused))

/** A value `valid` refuses does not read. */
const accepted = <A>(valid: (value: A) => boolean) =>
  checkedBy((value: A) => valid(value) ? Effect.succeed(value) : Effect.fail(value))

/** What a value that does not read must be; and, unless it is a secret, what it was. */
const unreadable = (name: string, expected = "could not be read", secret = false): Checked<never> => {
  const without = Config.succeed(Result.fail(line(name, expected)))
  return secret ? without : Config.String(name).pipe(
    Config.map((text) => Result.fail(line(name, `${expected}, got "${text}"`))),
    Config.orElse(() => without)
  )
}

/** How one variable reads: `read` it by its name; when it does not read, say what it must be. */
export interface Rule<A> {
  readonly read: (name: string) => Config.Config<A>
  /** What the value must be (`must be …`), when a value can be wrong. */
  readonly expected?: string
  /** A secret's value is never shown. */
  readonly secret?: boolean
}

/** A variable that must be set. */
export const required = <A>(name: string, rule: Rule<A>): Checked<A> =>
  Config.option(rule.read(name)).pipe(
    Config.map(Option.match({ onNone: () => Result.fail(line(name, "is required")), onSome: Result.succeed })),
    Config.orElse(() => unreadable(name, rule.expected, rule.secret))
  )

/** A variable that may be unset, `fallback` then. */
export const optional = <A, const B>(name: string, rule: Rule<A>, fallback: B): Checked<A | B> =>
  rule.read(name).pipe(
    Config.map((value): A | B => value),
    Config.withDefault(fallback),
    Config.map(Result.succeed),
    Config.orElse(() => unreadable(name, rule.expected, rule.secret))
  )

type Values<Fields extends Record<string, Checked<unknown>>> = { readonly [K in keyof Fields]: CheckedValue<Fields[K]> }

/** An area's values, or every problem among them. */
export const area = <const Fields extends Record<string, Checked<unknown>>>(fields: Fields): Checked<Values<Fields>> =>
  Config.map(
    Config.all(fields) as Config.Config<Record<string, Result.Result<unknown, ReadonlyArray<string>>>>,
    (results): Result.Result<Values<Fields>, ReadonlyArray<string>> => {
      const problems = Object.values(results).flatMap((result) => Result.isFailure(result) ? result.failure : [])
      return problems.length > 0
        ? Result.fail(problems)
        : Result.succeed(
          Object.fromEntries(Object.entries(results).map(([key, result]) => [key, Result.getOrThrow(result)])) as Values<Fields>
        )
    }
  )

const mapChecked = <A, B>(f: (value: A) => B) => (checked: Checked<A>): Checked<B> =>
  Config.map(checked, Result.map(f))

/** Fails with every problem at once. */
export const settle = <A>(checked: Checked<A>): Effect.Effect<A, InvalidConfiguration> =>
  checked.pipe(
    Effect.catchTag("ConfigError", (error) => Effect.succeed(Result.fail([`invalid configuration: ${error.message}`]))),
    Effect.flatMap((result) =>
      Result.isFailure(result)
        ? Effect.fail(new InvalidConfiguration({ lines: result.failure }))
        : Effect.succeed(result.success)
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// The variables, by area

export const text: Rule<string> = { read: (name) => Config.String(name).pipe(Config.map((value) => value.trim())) }

export const folder: Rule<string> = { read: (name) => Config.String(name).pipe(Config.map((value) => Path.resolve(value.trim()))) }

/** `rule`'s value as `Option.some`, for a variable whose absence is `Option.none()`. */
export const some = <A>(rule: Rule<A>): Rule<Option.Option<A>> => ({
  ...rule,
  read: (name) => rule.read(name).pipe(Config.map(Option.some))
})

export const oneOf = <const A extends string>(values: ReadonlyArray<A>): Rule<A> => ({
  read: (name) => Config.Literals(values, name),
  expected: `must be one of ${values.join(", ")}`
})

const integer = (minimum: number, maximum: number): Rule<number> => ({
  read: (name) => Config.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })), name),
  expected: `must be an integer from ${minimum} to ${maximum}`
})

/** `5` (seconds) or any duration Effect reads, such as `500 millis` or `5 seconds`. */
export const positiveDuration: Rule<Duration.Duration> = {
  read: (name) =>
    Config.Number(name).pipe(
      Config.map(Duration.seconds),
      Config.orElse(() => Config.Duration(name)),
      accepted((duration) => Duration.isFinite(duration) && Duration.toMillis(duration) > 0)
    ),
  expected: "must be a positive duration such as 5 or \"5 seconds\""
}

export const phoneNumber: Rule<PhoneNumber> = {
  read: (name) => Config.String(name).pipe(checkedBy(normalize)),
  expected: "must be a phone number with its country code, such as +55 11 91234-5678"
}

/** A secret, trimmed, that `valid` accepts. */
const secret = (valid: (value: string) => boolean, expected: string): Rule<Redacted.Redacted<string>> => ({
  read: (name) =>
    Config.String(name).pipe(
      Config.map((value) => value.trim()),
      accepted(valid),
      Config.map((value) => Redacted.make(value))
    ),
  expected,
  secret: true
})

const isBase64 = (value: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0

/** The key `SecretBox` takes: 32 bytes in base64. */
export const sessionKey: Rule<Redacted.Redacted<string>> = {
  read: (name) => secret(isBase64, "").read(name).pipe(checkedBy((key) => Effect.as(SecretBox.make(key), key))),
  expected: "must be 32 bytes in base64",
  secret: true
}

export const redisUrl = secret(
  (url) => ["redis:", "rediss:"].includes(URL.parse(url)?.protocol ?? ""),
  "must be a redis:// or rediss:// URL"
)

export const queuePrefix: Rule<string> = {
  read: (name) => text.read(name).pipe(accepted((prefix) => !prefix.includes(":"))),
  expected: "may not contain ':'"
}

const account = area({
  phone: required("PHONE_NUMBER", phoneNumber),
  dataDir: optional("DATA_DIR", folder, "/user-data"),
  containerId: optional("CONTAINER_ID", text, Os.hostname()),
  sessionKey: required("SESSION_KEY", sessionKey)
})

const timing = area({
  heartbeatInterval: optional("HEARTBEAT_INTERVAL", positiveDuration, Duration.seconds(5)),
  commandTimeout: optional("COMMAND_TIMEOUT", positiveDuration, Duration.seconds(30))
})

const tdlib = area({
  apiId: required("TELEGRAM_API_ID", integer(1, 2_147_483_647)),
  apiHash: required("TELEGRAM_API_HASH", secret((hash) => hash !== "", "must not be blank")),
  databaseEncryptionKey: optional("TDL_DATABASE_ENCRYPTION_KEY", some(secret(isBase64, "must be base64")), Option.none()),
  previousDatabaseEncryptionKey: optional(
    "TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY",
    some(secret(isBase64, "must be base64")),
    Option.none()
  ),
  network: optional("TDL_NETWORK", oneOf(["auto", "none"]), "auto")
})

const fake = area({
  sideChannelPort: optional("FAKE_TDL_PORT", integer(0, 65_535), 0),
  script: optional("FAKE_TDL_SCRIPT", some(text), Option.none())
})

const driverName = optional("TDL_DRIVER", oneOf(["tdlib", "fake"]), "tdlib")

/** The settings of the driver `TDL_DRIVER` names; the other driver's variables are not read. */
const driver: Checked<TdlDriver> = Config.flatMap(driverName, Result.match({
  onFailure: (lines) => Config.succeed(Result.fail(lines)),
  onSuccess: (name): Checked<TdlDriver> =>
    name === "tdlib"
      ? tdlib.pipe(mapChecked((settings) => ({ _tag: "Tdlib" as const, ...settings })))
      : fake.pipe(mapChecked((settings) => ({ _tag: "Fake" as const, ...settings })))
}))

const worker: Checked<WorkerSettings> = area({ account, timing, tdl: driver }).pipe(
  mapChecked(({ account, timing, tdl }) => ({ ...account, ...timing, tdl }))
)

const queue: Checked<BullMqOptions> = area({
  redisUrl: required("REDIS_URL", redisUrl),
  prefix: optional("QUEUE_PREFIX", queuePrefix, "bull")
})

export const logFormat = optional("LOG_FORMAT", oneOf(["json", "pretty"]), "json")

/** What the worker runs with, read from the `ConfigProvider` in context (what the inline runtime needs). */
export const workerSettings: Effect.Effect<WorkerSettings, InvalidConfiguration> = settle(worker)

/** What the worker program runs with: the worker, its queues, its logs. */
export const programSettings: Effect.Effect<ProgramSettings, InvalidConfiguration> = settle(
  area({ worker, queue, logFormat })
)
