/**
 * Every environment variable of the sessions concern: where workers run (the runtime and its settings), the
 * manager's caps and timings, what each worker is handed, the session keys' master secret, the command timeout.
 */
import { Config, Duration, Option, Redacted, Schema, SchemaIssue } from "effect"
import * as Path from "node:path"
import { RuntimeKind } from "../data/Sessions.ts"
import type { ContainerManagerOptions } from "../sessions/manager/ContainerManager.ts"
import type { TdlSettings, WorkerEnvironmentOptions } from "../sessions/manager/WorkerEnvironment.ts"
import * as ContainerNames from "../sessions/runtimes/ContainerNames.ts"
import type { DockerRuntimeOptions } from "../sessions/runtimes/DockerRuntime.ts"
import { type EngineAddress, type EngineOptions, parseAddress } from "../sessions/runtimes/Engine.ts"
import type { InlineRuntimeOptions } from "../sessions/runtimes/InlineRuntime.ts"
import { defaultEntry, defaultUids, type ProcessRuntimeOptions } from "../sessions/runtimes/ProcessRuntime.ts"
import { uidRangeSize } from "../sessions/runtimes/ProcessUsers.ts"
import type { RuntimeOptions } from "../sessions/runtimes/SelectedRuntime.ts"
import type { SwarmRuntimeOptions } from "../sessions/runtimes/SwarmRuntime.ts"
import type { SessionGatewayOptions } from "../sessions/SessionGateway.ts"
import type { MasterSource } from "../sessions/SessionKeys.ts"
import type { WorkerRedisSettings } from "../sessions/WorkerRedisUsers.ts"
import * as QueueConfig from "./QueueConfig.ts"

/** A variable reported missing under its own name, in the words of the rule that requires it. */
const missing = (name: string, rule: string) =>
  Config.fail(new Schema.SchemaError(new SchemaIssue.Pointer([name], new SchemaIssue.MissingKey({ messageMissingKey: rule }))))

/** A variable whose value a rule refuses, reported under its own name in the rule's words. */
const invalid = (name: string, rule: string) =>
  Config.fail(new Schema.SchemaError(new SchemaIssue.Pointer([name], new SchemaIssue.InvalidValue({ message: rule }))))

/** A variable a rule over others requires, reported under its own name in the rule's words. */
export const required = <A>(config: Config.Config<A>, name: string, rule: string): Config.Config<A> =>
  Config.option(config).pipe(Config.flatMap(Option.match({ onSome: Config.succeed, onNone: () => missing(name, rule) })))

const atLeast = (minimum: number, name: string, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(minimum)), name).pipe(Config.withDefault(fallback))

const duration = (name: string, fallback: Duration.Duration) => Config.Duration(name).pipe(Config.withDefault(fallback))

/** `CONTAINER_RUNTIME`: `inline` when no Redis is configured, `process` when one is. */
export const runtimeKind: Config.Config<RuntimeKind> = Config.option(Config.String("REDIS_URL")).pipe(
  Config.flatMap((redis) =>
    Config.Literals(RuntimeKind.literals, "CONTAINER_RUNTIME").pipe(Config.withDefault(Option.isSome(redis) ? "process" : "inline"))
  )
)

/**
 * `REDIS_URL` with `REDIS_PASSWORD`, required by every runtime but `inline`: their workers reach the control plane
 * only through Redis.
 */
export const redisUrl: Config.Config<Option.Option<Redacted.Redacted<string>>> = runtimeKind.pipe(
  Config.flatMap((kind) =>
    kind === "inline"
      ? QueueConfig.redisUrl
      : Config.all({
        url: required(Config.Redacted("REDIS_URL"), "REDIS_URL", `required with CONTAINER_RUNTIME=${kind}`),
        password: QueueConfig.redisPassword
      }).pipe(Config.map(({ password, url }) => Option.some(QueueConfig.withPassword(url, password))))
  )
)

/**
 * `SESSION_MASTER_KEY` (blank counts as unset), required with every runtime but `inline`. Nothing stands in for it:
 * a master derived from another secret (the bot token, say) would hand every account's keys to whoever leaks that one.
 */
export const masterKey: Config.Config<Option.Option<Redacted.Redacted<string>>> = runtimeKind.pipe(
  Config.flatMap((kind) =>
    Config.option(Config.Redacted("SESSION_MASTER_KEY")).pipe(
      Config.map(Option.filter((value) => Redacted.value(value).trim() !== "")),
      Config.flatMap((master) =>
        kind === "inline" || Option.isSome(master)
          ? Config.succeed(master)
          : missing("SESSION_MASTER_KEY", `required with CONTAINER_RUNTIME=${kind} (generate one: openssl rand -base64 32)`)
      )
    )
  )
)

/** The master secret: `SESSION_MASTER_KEY`, else (single-process mode) the file `{VIGIA_DATA_DIR}/session-master-key`. */
export const keys: Config.Config<MasterSource> = Config.all({
  master: masterKey,
  dataDirectory: Config.String("VIGIA_DATA_DIR").pipe(Config.withDefault("data"))
}).pipe(
  Config.map(({ dataDirectory, master }): MasterSource =>
    Option.match(master, {
      onSome: (given) => ({ _tag: "Given", master: given }),
      onNone: () => ({ _tag: "Generated", file: Path.join(dataDirectory, "session-master-key") })
    })
  )
)

export const gateway: Config.Wrap<SessionGatewayOptions> = {
  timeout: duration("SESSION_COMMAND_TIMEOUT", Duration.seconds(30))
}

export const manager: Config.Wrap<ContainerManagerOptions> = {
  maxRunning: atLeast(1, "MAX_SESSIONS", 100),
  maxConcurrentStarts: atLeast(1, "MAX_CONCURRENT_STARTS", 4),
  startQueueTimeout: duration("START_QUEUE_TIMEOUT", Duration.minutes(5)),
  startTimeout: duration("WORKER_START_TIMEOUT", Duration.seconds(60)),
  checkInterval: duration("WORKER_CHECK_INTERVAL", Duration.seconds(5)),
  silenceThreshold: duration("WORKER_SILENCE_THRESHOLD", Duration.seconds(30)),
  restartBackoff: duration("WORKER_RESTART_BACKOFF", Duration.seconds(2)),
  maxBackoff: duration("WORKER_MAX_BACKOFF", Duration.minutes(5)),
  crashLoopRestarts: atLeast(0, "WORKER_CRASH_LOOP_RESTARTS", 5),
  crashLoopWindow: duration("WORKER_CRASH_LOOP_WINDOW", Duration.minutes(10)),
  heartbeatPersistInterval: duration("WORKER_HEARTBEAT_PERSIST_INTERVAL", Duration.seconds(30))
}

const tdlDriver = Config.Literals(["tdlib", "fake"], "TDL_DRIVER").pipe(Config.withDefault("tdlib" as const))

const apiId = required(
  Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "TELEGRAM_API_ID"),
  "TELEGRAM_API_ID",
  "required with TDL_DRIVER=tdlib: the API id from my.telegram.org"
)

const apiHash = required(
  Config.Redacted("TELEGRAM_API_HASH"),
  "TELEGRAM_API_HASH",
  "required with TDL_DRIVER=tdlib: the API hash from my.telegram.org"
)

/**
 * `TDL_DATABASE_ENCRYPTION_KEY` is no longer the control plane's to set: each account's key derives from the master
 * secret. Set, it was the key of every existing database, so start-up refuses rather than leave them unopenable.
 */
const retiredDatabaseKey = Config.option(Config.String("TDL_DATABASE_ENCRYPTION_KEY")).pipe(
  Config.flatMap(Option.match({
    onNone: () => Config.succeed(undefined),
    onSome: () =>
      invalid(
        "TDL_DATABASE_ENCRYPTION_KEY",
        "each account's database key now derives from SESSION_MASTER_KEY: rename this variable to " +
          "TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY, so that existing databases open and move to their own keys"
      )
  }))
)

/** `TDL_DRIVER`: with `tdlib`, `TELEGRAM_API_ID` and `TELEGRAM_API_HASH` are required. */
export const tdl: Config.Config<TdlSettings> = tdlDriver.pipe(
  Config.flatMap((driver): Config.Config<TdlSettings> =>
    driver === "tdlib"
      ? Config.all({
        driver: Config.succeed(driver),
        apiId,
        apiHash,
        previousDatabaseEncryptionKey: Config.option(Config.Redacted("TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY")),
        retiredKey: retiredDatabaseKey
      }).pipe(Config.map(({ retiredKey: _, ...settings }) => settings))
      : Config.all({ driver: Config.succeed(driver), script: Config.option(Config.String("FAKE_TDL_SCRIPT")) })
  )
)

/** Each of the `tdlib` driver's credentials on its own, so that a check reports both when both are missing. */
const ifTdlib = <A>(config: Config.Config<A>) =>
  tdlDriver.pipe(Config.flatMap((driver) => driver === "tdlib" ? Config.map(config, Option.some) : Config.succeed(Option.none())))

const queuePrefix = Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull"))

const hasPassword = (url: Redacted.Redacted<string>) => (URL.parse(Redacted.value(url))?.password ?? "") !== ""

/**
 * How workers reach Redis: the inline runtime's share the control plane's queue; the others reach `REDIS_URL`, or
 * `WORKER_REDIS_URL` when they reach Redis by another address, each as its own user when Redis has a password.
 */
export const workerRedis: Config.Config<WorkerRedisSettings> = Config.all({
  kind: runtimeKind,
  control: redisUrl,
  worker: Config.option(Config.Redacted("WORKER_REDIS_URL")),
  prefix: queuePrefix
}).pipe(
  Config.map(({ control, kind, prefix, worker }): WorkerRedisSettings => {
    if (kind === "inline" || Option.isNone(control)) return { _tag: "None" }
    const workerUrl = Option.getOrElse(worker, () => control.value)
    return hasPassword(control.value)
      ? { _tag: "PerAccount", adminUrl: control.value, workerUrl, prefix }
      : { _tag: "Shared", url: workerUrl }
  })
)

/** What each worker is handed (its Redis URL comes from `workerRedis`). */
export const worker: Config.Wrap<WorkerEnvironmentOptions> = {
  queuePrefix,
  tdl,
  logFormat: Config.Literals(["json", "pretty"], "WORKER_LOG_FORMAT").pipe(Config.withDefault("json" as const)),
  heartbeatInterval: atLeast(1, "WORKER_HEARTBEAT_INTERVAL", 5)
}

/** Separates two control planes on one engine: their workers' labels, and their pools' names. */
export const deployment = Config.String("WORKER_DEPLOYMENT").pipe(Config.withDefault("default"))
const dataRoot = Config.String("WORKER_DATA_DIR").pipe(Config.withDefault("data/sessions"))
const stopGracePeriod = duration("WORKER_STOP_GRACE", Duration.seconds(20))

export const inlineRuntime: Config.Wrap<InlineRuntimeOptions> = { dataRoot, stopGracePeriod }

/** The highest first uid: the range must end below 4294967295, which is no uid. */
const maxUidBase = 4_294_967_294 - uidRangeSize

export const processRuntime = {
  entry: Config.String("WORKER_ENTRY").pipe(Config.withDefault(defaultEntry)),
  dataRoot,
  deployment,
  stopGracePeriod,
  uids: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 1000, maximum: maxUidBase })), "WORKER_UID_BASE").pipe(
    Config.map((first) => ({ first, count: uidRangeSize })),
    Config.withDefault(defaultUids)
  ),
  logMaxBytes: atLeast(1, "WORKER_LOG_MAX_SIZE", 10).pipe(Config.map((megabytes) => megabytes * 1024 * 1024))
} satisfies Config.Wrap<ProcessRuntimeOptions>

/**
 * `DOCKER_HOST` (`tcp://host:port`, the engine gate in the compose files and the stack; or `unix:///path`), else
 * `DOCKER_SOCKET`, else Docker's default socket.
 */
const engineAddress: Config.Config<EngineAddress | undefined> = Config.all({
  host: Config.option(Config.String("DOCKER_HOST")),
  socket: Config.option(Config.String("DOCKER_SOCKET"))
}).pipe(
  Config.flatMap(({ host, socket }): Config.Config<EngineAddress | undefined> =>
    Option.match(host, {
      onSome: (text) =>
        Option.match(parseAddress(text), {
          onNone: () => invalid("DOCKER_HOST", "must be tcp://host:port or unix:///path"),
          onSome: (address) => Config.succeed(address)
        }),
      onNone: () => Config.succeed(Option.getOrUndefined(Option.map(socket, (path) => ({ _tag: "Socket", path } as const))))
    })
  )
)

/** What the `docker` and `swarm` runtimes share. */
export const engine = {
  image: Config.String("WORKER_IMAGE").pipe(Config.withDefault("vigia/session-worker:latest")),
  deployment,
  // The engine runtimes require SESSION_MASTER_KEY; read with another runtime, this setting is never used.
  accountKeySecret: masterKey.pipe(
    Config.map((master) => ContainerNames.accountKeySecret(Option.getOrElse(master, () => Redacted.make(""))))
  ),
  network: Config.String("WORKER_NETWORK").pipe(Config.withDefault("bridge")),
  memoryBytes: atLeast(6, "WORKER_MEMORY_MB", 256).pipe(Config.map((megabytes) => megabytes * 1024 * 1024)),
  pidsLimit: atLeast(1, "WORKER_PIDS_LIMIT", 256),
  stopGracePeriod,
  engine: engineAddress
} satisfies Config.Wrap<EngineOptions>

export const dockerRuntime = {
  ...engine,
  restartRetries: atLeast(0, "WORKER_RESTART_RETRIES", 5)
} satisfies Config.Wrap<DockerRuntimeOptions>

export const swarmRuntime = {
  ...engine,
  constraints: Config.Array(Schema.String, "SWARM_CONSTRAINTS").pipe(Config.withDefault([])),
  restartDelay: duration("SWARM_RESTART_DELAY", Duration.seconds(5)),
  restartAttempts: atLeast(0, "SWARM_RESTART_ATTEMPTS", 5),
  imageById: Config.Boolean("SWARM_IMAGE_BY_ID").pipe(Config.withDefault(false))
} satisfies Config.Wrap<SwarmRuntimeOptions>

/** The runtime `CONTAINER_RUNTIME` names, with its settings. */
export const runtime: Config.Config<RuntimeOptions> = runtimeKind.pipe(
  Config.flatMap((kind): Config.Config<RuntimeOptions> => {
    const withKind = <K extends RuntimeKind, A>(named: K, settings: Config.Wrap<A>) =>
      Config.unwrap(settings).pipe(Config.map((options) => ({ ...options, kind: named })))
    switch (kind) {
      case "inline":
        return withKind("inline", inlineRuntime)
      case "process":
        return withKind("process", processRuntime)
      case "docker":
        return withKind("docker", dockerRuntime)
      case "swarm":
        return withKind("swarm", swarmRuntime)
    }
  })
)

/** Every variable above as leaves, each read on its own by a check that lists every failure (a rule is one leaf). */
export const checks = {
  telegramApi: { apiId: ifTdlib(apiId), apiHash: ifTdlib(apiHash) },
  runtimeKind,
  redisUrl,
  keys,
  gateway,
  manager,
  worker,
  workerRedis,
  inlineRuntime,
  processRuntime,
  dockerRuntime,
  swarmRuntime
}
