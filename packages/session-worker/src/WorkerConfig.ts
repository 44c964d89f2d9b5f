/**
 * The session worker's configuration: one account's phone, where its queues and
 * TDLib folders live, which TDLib driver runs it, and the timing of its loops.
 */
import { type PhoneNumber, normalize } from "@vigia/domain/PhoneNumber"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"

/** TDLib itself, through tdl and prebuilt-tdlib. */
export interface TdlibDriver {
  readonly _tag: "Tdlib"
  readonly apiId: number
  readonly apiHash: Redacted.Redacted<string>
  readonly databaseEncryptionKey: Option.Option<Redacted.Redacted<string>>
  /** `none` tells TDLib there is no network, so it connects nowhere (tests, offline checks). */
  readonly network: "auto" | "none"
}

/** The in-memory TDLib of `TdlFake.ts`, driven from outside through a loopback port. */
export interface FakeDriver {
  readonly _tag: "Fake"
  readonly sideChannelPort: number
  readonly script: Option.Option<string>
}

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  variable: Schema.String,
  message: Schema.String
}) {
  /** The one line an operator reads when the worker refuses to start. */
  get line(): string {
    return `invalid configuration: ${this.variable} ${this.message}`
  }
}

export class WorkerConfig extends Context.Service<WorkerConfig, {
  readonly phone: PhoneNumber
  readonly redisUrl: Redacted.Redacted<string>
  readonly queuePrefix: string
  readonly dataDir: string
  readonly containerId: string
  readonly sessionKey: Redacted.Redacted<string>
  readonly logFormat: "json" | "pretty"
  readonly heartbeatInterval: Duration.Duration
  readonly commandTimeout: Duration.Duration
  readonly tdl: TdlibDriver | FakeDriver
}>()("@vigia/session-worker/WorkerConfig") {
  /** Reads the environment variables listed in the README. */
  static readonly layer = Layer.effect(WorkerConfig, Effect.suspend(() => fromEnvironment))
}

/** `${DATA_DIR}/${phone}`: the account's folder, as the seed's volume mapping. */
export const accountDirectory = (config: WorkerConfig["Service"]): string => Path.join(config.dataDir, config.phone)
export const databaseDirectory = (config: WorkerConfig["Service"]): string => Path.join(accountDirectory(config), "database")
export const filesDirectory = (config: WorkerConfig["Service"]): string => Path.join(accountDirectory(config), "files")
/** Where the fake TDLib writes the port of its side channel, so a test can find it. */
export const fakeTdlPortFile = (config: WorkerConfig["Service"]): string => Path.join(accountDirectory(config), "fake-tdl.port")

const variable = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Effect.map(Option.filter((value) => value.trim() !== "")),
    Effect.mapError(() => new InvalidConfiguration({ variable: name, message: "could not be read" }))
  )

const required = (name: string) =>
  variable(name).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new InvalidConfiguration({ variable: name, message: "is required" })),
      onSome: Effect.succeed
    }))
  )

const invalid = (name: string, message: string) => new InvalidConfiguration({ variable: name, message })

const oneOf = <const A extends string>(name: string, values: ReadonlyArray<A>, fallback: A) =>
  variable(name).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(fallback),
      onSome: (value) => {
        const found = values.find((candidate) => candidate === value.trim().toLowerCase())
        return found === undefined
          ? Effect.fail(invalid(name, `must be one of ${values.join(", ")}, got "${value}"`))
          : Effect.succeed(found)
      }
    }))
  )

/** `5` (seconds) or anything `Duration` reads, such as `500 millis` or `5 seconds`. */
const duration = (name: string, fallback: Duration.Duration) =>
  variable(name).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(fallback),
      onSome: (value) => {
        const trimmed = value.trim()
        const parsed = /^[0-9]+(\.[0-9]+)?$/.test(trimmed)
          ? Option.some(Duration.seconds(Number(trimmed)))
          : Duration.fromInput(trimmed as Duration.Input)
        return Option.match(Option.filter(parsed, (d) => Duration.isFinite(d) && Duration.toMillis(d) > 0), {
          onNone: () => Effect.fail(invalid(name, `must be a positive duration such as 5 or "5 seconds", got "${value}"`)),
          onSome: Effect.succeed
        })
      }
    }))
  )

const integer = (name: string, value: string, min: number, max: number) => {
  const parsed = Number(value.trim())
  return /^[0-9]+$/.test(value.trim()) && parsed >= min && parsed <= max
    ? Effect.succeed(parsed)
    : Effect.fail(invalid(name, `must be an integer from ${min} to ${max}, got "${value}"`))
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/

const base64Secret = (name: string, value: string): Effect.Effect<Redacted.Redacted<string>, InvalidConfiguration> => {
  const trimmed = value.trim()
  return base64.test(trimmed) && trimmed.length % 4 === 0
    ? Effect.succeed(Redacted.make(trimmed))
    : Effect.fail(invalid(name, "must be base64"))
}

const redisUrl = (value: string) => {
  const url = URL.parse(value.trim())
  return url !== null && (url.protocol === "redis:" || url.protocol === "rediss:")
    ? Effect.succeed(Redacted.make(value.trim()))
    : Effect.fail(invalid("REDIS_URL", "must be a redis:// or rediss:// URL"))
}

const tdlibDriver = Effect.gen(function*() {
  const apiId = yield* required("TELEGRAM_API_ID").pipe(
    Effect.flatMap((value) => integer("TELEGRAM_API_ID", value, 1, 2_147_483_647))
  )
  const apiHash = yield* required("TELEGRAM_API_HASH").pipe(Effect.map((value) => Redacted.make(value.trim())))
  const databaseEncryptionKey = yield* variable("TDL_DATABASE_ENCRYPTION_KEY").pipe(
    Effect.flatMap((value) =>
      Option.isNone(value)
        ? Effect.succeed(Option.none<Redacted.Redacted<string>>())
        : base64Secret("TDL_DATABASE_ENCRYPTION_KEY", value.value).pipe(Effect.map(Option.some))
    )
  )
  const network = yield* oneOf("TDL_NETWORK", ["auto", "none"], "auto")
  return { _tag: "Tdlib", apiId, apiHash, databaseEncryptionKey, network } satisfies TdlibDriver
})

const fakeDriver = Effect.gen(function*() {
  const sideChannelPort = yield* variable("FAKE_TDL_PORT").pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(0),
      onSome: (value) => integer("FAKE_TDL_PORT", value, 0, 65_535)
    }))
  )
  const script = yield* variable("FAKE_TDL_SCRIPT")
  return { _tag: "Fake", sideChannelPort, script } satisfies FakeDriver
})

const fromEnvironment = Effect.gen(function*() {
  const phone = yield* required("PHONE_NUMBER").pipe(
    Effect.flatMap((value) => normalize(value).pipe(Effect.mapError((error) => invalid("PHONE_NUMBER", error.message))))
  )
  const redis = yield* required("REDIS_URL").pipe(Effect.flatMap(redisUrl))
  const queuePrefix = yield* variable("QUEUE_PREFIX").pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed("bull"),
      onSome: (value) =>
        value.includes(":")
          ? Effect.fail(invalid("QUEUE_PREFIX", "may not contain ':'"))
          : Effect.succeed(value.trim())
    }))
  )
  const dataDir = yield* variable("DATA_DIR").pipe(Effect.map(Option.getOrElse(() => "/user-data")))
  const containerId = yield* variable("CONTAINER_ID").pipe(Effect.map(Option.getOrElse(() => Os.hostname())))
  const sessionKey = yield* required("SESSION_KEY").pipe(
    Effect.map((value) => Redacted.make(value.trim())),
    Effect.tap((key) => SecretBox.make(key).pipe(Effect.mapError((error) => invalid("SESSION_KEY", error.message))))
  )
  const logFormat = yield* oneOf("LOG_FORMAT", ["json", "pretty"], "json")
  const heartbeatInterval = yield* duration("HEARTBEAT_INTERVAL", Duration.seconds(5))
  const commandTimeout = yield* duration("COMMAND_TIMEOUT", Duration.seconds(30))
  const driver = yield* oneOf("TDL_DRIVER", ["tdlib", "fake"], "tdlib")
  const tdl = driver === "tdlib" ? yield* tdlibDriver : yield* fakeDriver
  return WorkerConfig.of({
    phone,
    redisUrl: redis,
    queuePrefix,
    dataDir: Path.resolve(dataDir),
    containerId: containerId.trim(),
    sessionKey,
    logFormat,
    heartbeatInterval,
    commandTimeout,
    tdl
  })
})
