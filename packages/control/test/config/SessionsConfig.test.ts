import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Config, ConfigProvider, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as SessionsConfig from "../../src/config/SessionsConfig.ts"
import { WorkerEnvironment } from "../../src/sessions/manager/WorkerEnvironment.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { WorkerRedisUsers } from "../../src/sessions/WorkerRedisUsers.ts"

const alice = Schema.decodeUnknownSync(PhoneNumber)("5511900000001")

const environment = {
  REDIS_URL: "redis://:hunter2@127.0.0.1:6379",
  TELEGRAM_API_ID: "12345",
  TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef",
  SESSION_MASTER_KEY: "a master secret"
}

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

/** Reads `config` from `env`. */
const read = <A>(config: Config.Wrap<A>, env: Record<string, string>) => Config.unwrap(config).pipe(Effect.provide(fromEnv(env)))

/** The failure of reading `config` from `env`, as a `ConfigCheck` line would name it. */
const failure = <A>(config: Config.Wrap<A>, env: Record<string, string>) => Effect.map(Effect.flip(read(config, env)), String)

const specFor = (env: Record<string, string>, phone = alice) =>
  Effect.flatMap(WorkerEnvironment, (workers) => workers.specFor(phone)).pipe(
    Effect.provide(WorkerEnvironment.layerConfig(SessionsConfig.worker).pipe(
      Layer.provide(WorkerRedisUsers.layerConfig(SessionsConfig.workerRedis)),
      Layer.provideMerge(SessionKeys.layerConfig(SessionsConfig.keys)),
      Layer.provide(fromEnv(env))
    ))
  )

describe("SessionsConfig", () => {
  it.effect("the worker's environment keeps every secret out of its plain variables", () =>
    Effect.gen(function*() {
      const spec = yield* specFor(environment)
      assert.deepStrictEqual(spec.environment, {
        PHONE_NUMBER: alice,
        QUEUE_PREFIX: "bull",
        TDL_DRIVER: "tdlib",
        LOG_FORMAT: "json",
        HEARTBEAT_INTERVAL: "5",
        TELEGRAM_API_ID: "12345"
      })
      assert.deepStrictEqual(Object.keys(spec.secrets).sort(), ["REDIS_URL", "SESSION_KEY", "TDL_DATABASE_ENCRYPTION_KEY", "TELEGRAM_API_HASH"])
      const keys = SessionKeys.make({ master: Redacted.make("a master secret") })
      assert.strictEqual(Redacted.value(spec.secrets.SESSION_KEY!), Redacted.value(keys.keyFor(alice)))
      assert.notInclude(JSON.stringify(spec.environment), "hunter2")
      const manager = yield* read(SessionsConfig.manager, environment)
      assert.strictEqual(manager.maxRunning, 100)
      assert.strictEqual(Duration.toSeconds(manager.startTimeout), 60)
    }))

  it.effect("every TDLib is encrypted by default, each account under its own key derived from the master secret", () =>
    Effect.gen(function*() {
      const bob = Schema.decodeUnknownSync(PhoneNumber)("5511900000002")
      const databaseKey = (spec: { readonly secrets: Readonly<Record<string, Redacted.Redacted<string>>> }) =>
        Redacted.value(spec.secrets.TDL_DATABASE_ENCRYPTION_KEY!)
      const forAlice = databaseKey(yield* specFor(environment))
      const forBob = databaseKey(yield* specFor(environment, bob))
      assert.strictEqual(Buffer.from(forAlice, "base64").length, 32)
      assert.notStrictEqual(forAlice, forBob)
      assert.strictEqual(forAlice, Redacted.value(SessionKeys.make({ master: Redacted.make("a master secret") }).databaseKeyFor(alice)))
      assert.notStrictEqual(forAlice, Redacted.value(SessionKeys.make({ master: Redacted.make("another master") }).databaseKeyFor(alice)))
      const shared = Buffer.alloc(32, 3).toString("base64")
      const migrating = yield* specFor({ ...environment, TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY: shared })
      assert.strictEqual(Redacted.value(migrating.secrets.TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY!), shared)
      assert.strictEqual(databaseKey(migrating), forAlice)
      const retired = yield* failure(SessionsConfig.tdl, { ...environment, TDL_DATABASE_ENCRYPTION_KEY: shared })
      assert.include(retired, "TDL_DATABASE_ENCRYPTION_KEY")
      assert.include(retired, "rename this variable to TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY")
      assert.notInclude(retired, shared, "the refused key is not shown")
    }))

  it.effect("the fake driver needs no Telegram credentials and gets its script", () =>
    Effect.gen(function*() {
      const spec = yield* specFor({ REDIS_URL: "redis://127.0.0.1:6379", TDL_DRIVER: "fake", FAKE_TDL_SCRIPT: "{}", SESSION_MASTER_KEY: "m" })
      assert.strictEqual(spec.environment.TDL_DRIVER, "fake")
      assert.strictEqual(spec.environment.FAKE_TDL_SCRIPT, "{}")
      assert.isFalse("TELEGRAM_API_HASH" in spec.secrets)
    }))

  it.effect("with a Redis password each worker is handed its own user at REDIS_URL's address (or WORKER_REDIS_URL's), never the control plane's", () =>
    Effect.gen(function*() {
      const redisOf = (env: Record<string, string>) =>
        Effect.map(specFor({ ...environment, ...env }), (spec) => Option.map(Option.fromNullishOr(spec.secrets.REDIS_URL), Redacted.value))
      const password = Redacted.value(SessionKeys.make({ master: Redacted.make("a master secret") }).redisPasswordFor(alice))
      const own = `vigia-bull-${alice}:${password}`
      assert.deepStrictEqual(yield* redisOf({}), Option.some(`redis://${own}@127.0.0.1:6379`))
      assert.deepStrictEqual(yield* redisOf({ WORKER_REDIS_URL: "redis://redis:6379" }), Option.some(`redis://${own}@redis:6379`))
      const split = { REDIS_URL: "rediss://redis.internal:6380/2", REDIS_PASSWORD: "hunter2", QUEUE_PREFIX: "q" }
      assert.deepStrictEqual(yield* redisOf(split), Option.some(`rediss://vigia-q-${alice}:${password}@redis.internal:6380/2`))
      assert.deepStrictEqual(
        yield* read(SessionsConfig.redisUrl, { ...environment, ...split }),
        Option.some(Redacted.make("rediss://:hunter2@redis.internal:6380/2")),
        "the control plane itself connects with REDIS_PASSWORD"
      )
      // Without a password a user per account would confine nothing: the one URL, as before.
      assert.deepStrictEqual(yield* redisOf({ REDIS_URL: "redis://127.0.0.1:6379" }), Option.some("redis://127.0.0.1:6379"))
      const inline = { TELEGRAM_API_ID: "1", TELEGRAM_API_HASH: "h", SESSION_MASTER_KEY: "m" }
      assert.isFalse("REDIS_URL" in (yield* specFor(inline)).secrets)
    }))

  it.effect("Telegram's credentials are required with TDL_DRIVER=tdlib only, and say so", () =>
    Effect.gen(function*() {
      const missing = yield* failure(SessionsConfig.tdl, {})
      assert.include(missing, "TELEGRAM_API_ID")
      assert.include(missing, "required with TDL_DRIVER=tdlib")
      const noHash = yield* failure(SessionsConfig.tdl, { TELEGRAM_API_ID: "12345" })
      assert.include(noHash, "TELEGRAM_API_HASH")
      assert.include(yield* failure(SessionsConfig.tdl, { TELEGRAM_API_ID: "twelve", TELEGRAM_API_HASH: "h" }), "TELEGRAM_API_ID")
      assert.strictEqual((yield* read(SessionsConfig.tdl, { TDL_DRIVER: "fake" })).driver, "fake")
      assert.include(yield* failure(SessionsConfig.tdl, { TDL_DRIVER: "mtproto" }), "TDL_DRIVER")
    }))

  it.effect("the runtime is inline without REDIS_URL, process with it; any runtime but inline requires REDIS_URL", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* read(SessionsConfig.runtimeKind, {}), "inline")
      assert.strictEqual(yield* read(SessionsConfig.runtimeKind, { REDIS_URL: "redis://127.0.0.1:6379" }), "process")
      assert.strictEqual(yield* read(SessionsConfig.runtimeKind, { REDIS_URL: "redis://x", CONTAINER_RUNTIME: "docker" }), "docker")
      assert.deepStrictEqual(yield* read(SessionsConfig.redisUrl, { CONTAINER_RUNTIME: "inline" }), Option.none())
      for (const runtime of ["process", "docker", "swarm"]) {
        const error = yield* failure(SessionsConfig.redisUrl, { CONTAINER_RUNTIME: runtime })
        assert.include(error, "REDIS_URL")
        assert.include(error, `required with CONTAINER_RUNTIME=${runtime}`)
      }
    }))

  it.effect("an unknown runtime is refused with the variable's name", () =>
    Effect.gen(function*() {
      const error = yield* failure(SessionsConfig.runtime, { ...environment, CONTAINER_RUNTIME: "kubernetes" })
      assert.include(error, "CONTAINER_RUNTIME")
    }))

  it.effect("each runtime gets its own settings, with the README's defaults", () =>
    Effect.gen(function*() {
      const swarm = yield* read(SessionsConfig.runtime, {
        REDIS_URL: "redis://127.0.0.1:6379",
        CONTAINER_RUNTIME: "swarm",
        SWARM_CONSTRAINTS: "node.labels.vigia==true,node.role==worker",
        SESSION_MASTER_KEY: "a master secret"
      })
      assert.strictEqual(swarm.kind, "swarm")
      if (swarm.kind !== "swarm") return
      assert.deepStrictEqual(swarm.constraints, ["node.labels.vigia==true", "node.role==worker"])
      assert.strictEqual(swarm.memoryBytes, 256 * 1024 * 1024)
      assert.strictEqual(swarm.image, "vigia/session-worker:latest")
      assert.strictEqual(swarm.engine, undefined, "Docker's default socket")
      assert.strictEqual(Duration.toSeconds(swarm.restartDelay), 5)
      // The labels' secret derives from the master secret as it always did: existing workers keep their labels.
      const expected = Buffer.from(Crypto.hkdfSync("sha256", "a master secret", "vigia/account-label/v1", "labels", 32)).toString("hex")
      assert.strictEqual(Redacted.value(swarm.accountKeySecret), expected)
      const process = yield* read(SessionsConfig.runtime, { REDIS_URL: "redis://127.0.0.1:6379", WORKER_DATA_DIR: "/srv/vigia" })
      assert.deepStrictEqual(process.kind === "process" && [process.dataRoot, process.deployment], ["/srv/vigia", "default"])
      assert.deepStrictEqual(
        process.kind === "process" && [process.uids, process.logMaxBytes],
        [{ first: 2_000_000_000, count: 1_000_000 }, 10 * 1024 * 1024]
      )
    }))

  it.effect("the engine is reached at DOCKER_HOST (the gate's tcp:// address, or unix://), else DOCKER_SOCKET", () =>
    Effect.gen(function*() {
      const engineOf = (env: Record<string, string>) =>
        Effect.map(read(SessionsConfig.engine, { SESSION_MASTER_KEY: "m", ...env }), (options) => options.engine)
      assert.deepStrictEqual(yield* engineOf({ DOCKER_HOST: "tcp://gate:2375" }), { _tag: "Tcp", host: "gate", port: 2375 })
      assert.deepStrictEqual(yield* engineOf({ DOCKER_HOST: "unix:///run/gate.sock", DOCKER_SOCKET: "/x" }), { _tag: "Socket", path: "/run/gate.sock" })
      assert.deepStrictEqual(yield* engineOf({ DOCKER_SOCKET: "/var/run/docker.sock" }), { _tag: "Socket", path: "/var/run/docker.sock" })
      assert.include(yield* failure(SessionsConfig.engine, { DOCKER_HOST: "gate:2375" }), "DOCKER_HOST")
    }))

  it.effect("counts and limits out of range are refused under their own names", () =>
    Effect.gen(function*() {
      assert.include(yield* failure(SessionsConfig.manager, { MAX_SESSIONS: "0" }), "MAX_SESSIONS")
      assert.include(yield* failure(SessionsConfig.processRuntime, { WORKER_UID_BASE: "0" }), "WORKER_UID_BASE")
      assert.include(yield* failure(SessionsConfig.processRuntime, { WORKER_LOG_MAX_SIZE: "0" }), "WORKER_LOG_MAX_SIZE")
      assert.include(yield* failure(SessionsConfig.manager, { WORKER_SILENCE_THRESHOLD: "soon" }), "WORKER_SILENCE_THRESHOLD")
      assert.include(yield* failure(SessionsConfig.engine, { WORKER_MEMORY_MB: "2", BOT_TOKEN: "1:a" }), "WORKER_MEMORY_MB")
      assert.include(yield* failure(SessionsConfig.worker, { WORKER_LOG_FORMAT: "xml", TDL_DRIVER: "fake" }), "WORKER_LOG_FORMAT")
    }))
})

describe("SessionKeys from the configuration", () => {
  const keysFrom = (env: Record<string, string>) =>
    Effect.flatMap(read(SessionsConfig.keys, env), (source) => Effect.provide(SessionKeys, SessionKeys.layerSource(source)))
  const key = (keys: SessionKeys["Service"], of = alice) => Redacted.value(keys.keyFor(of))
  const singleProcess = (dataDirectory: string) => ({ VIGIA_DATA_DIR: dataDirectory, BOT_TOKEN: "123:abc" })

  it.effect("keys are 32 bytes, the same for a phone, distinct across phones, master secrets and purposes", () =>
    Effect.gen(function*() {
      const other = Schema.decodeUnknownSync(PhoneNumber)("5511900000002")
      const fromMaster = yield* keysFrom({ SESSION_MASTER_KEY: "a long random master secret", BOT_TOKEN: "123:abc" })
      const otherMaster = yield* keysFrom({ SESSION_MASTER_KEY: "another master secret", BOT_TOKEN: "123:abc" })

      assert.strictEqual(Buffer.from(key(fromMaster), "base64").length, 32)
      assert.strictEqual(key(fromMaster), key(yield* keysFrom({ SESSION_MASTER_KEY: "a long random master secret" })))
      assert.notStrictEqual(key(fromMaster), key(fromMaster, other))
      assert.notStrictEqual(key(fromMaster), key(otherMaster))
      assert.strictEqual(Buffer.from(Redacted.value(fromMaster.databaseKeyFor(alice)), "base64").length, 32)
      assert.match(Redacted.value(fromMaster.redisPasswordFor(alice)), /^[0-9a-f]{64}$/)
      const purposes = [fromMaster.keyFor(alice), fromMaster.databaseKeyFor(alice), fromMaster.redisPasswordFor(alice)]
      assert.strictEqual(new Set(purposes.map((secret) => Buffer.from(Redacted.value(secret), secret === purposes[2] ? "hex" : "base64").toString("hex"))).size, 3)
      assert.strictEqual(yield* fromMaster.boxFor(alice), yield* fromMaster.boxFor(alice))
    }))

  it.effect("outside the single-process mode SESSION_MASTER_KEY is required: the bot token never stands in for it", () =>
    Effect.gen(function*() {
      for (const runtime of ["process", "docker", "swarm"]) {
        const env = { CONTAINER_RUNTIME: runtime, REDIS_URL: "redis://127.0.0.1:6379", BOT_TOKEN: "123:abc" }
        for (const blankOrUnset of [{}, { SESSION_MASTER_KEY: "  " }]) {
          const error = yield* failure(SessionsConfig.keys, { ...env, ...blankOrUnset })
          assert.include(error, "SESSION_MASTER_KEY")
          assert.include(error, `required with CONTAINER_RUNTIME=${runtime}`)
        }
      }
      assert.include(yield* failure(SessionsConfig.engine, { CONTAINER_RUNTIME: "docker", BOT_TOKEN: "1:a" }), "SESSION_MASTER_KEY")
    }))

  it.effect("the single-process mode generates its master secret into its data folder (0600) and reuses it", () =>
    Effect.gen(function*() {
      const folder = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-master-key-"))
      const dataDirectory = Path.join(folder, "data")
      const first = yield* keysFrom(singleProcess(dataDirectory))
      const file = Path.join(dataDirectory, "session-master-key")
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(Fs.statSync(dataDirectory).mode & 0o777, 0o700)
      assert.strictEqual(Buffer.from(Fs.readFileSync(file, "utf8").trim(), "base64").length, 32)
      assert.strictEqual(key(yield* keysFrom(singleProcess(dataDirectory))), key(first), "reused on the next start")
      assert.strictEqual(key(yield* keysFrom({ ...singleProcess(dataDirectory), BOT_TOKEN: "456:def" })), key(first))
      const elsewhere = yield* keysFrom(singleProcess(Path.join(folder, "other")))
      assert.notStrictEqual(key(elsewhere), key(first), "a new random master, not one derived from the bot token")
      const given = yield* keysFrom({ ...singleProcess(dataDirectory), SESSION_MASTER_KEY: "a master secret" })
      assert.strictEqual(key(given), key(SessionKeys.make({ master: Redacted.make("a master secret") })))
      Fs.writeFileSync(file, "\n")
      const empty = yield* Effect.flip(keysFrom(singleProcess(dataDirectory)))
      assert.include(empty.message, "empty")
      Fs.rmSync(folder, { recursive: true, force: true })
    }))
})

describe("SessionsConfig.checks", () => {
  /** Every leaf of the tree, as a configuration check reads them. */
  const leaves = (tree: unknown): ReadonlyArray<Config.Config<unknown>> =>
    Config.isConfig(tree) ? [tree] : Object.values(tree as Record<string, unknown>).flatMap(leaves)

  it.effect("read leaf by leaf, a broken environment yields one failure per variable", () =>
    Effect.gen(function*() {
      const env = { CONTAINER_RUNTIME: "docker", MAX_SESSIONS: "none", WORKER_MEMORY_MB: "1", SWARM_IMAGE_BY_ID: "perhaps" }
      const results = yield* Effect.forEach(leaves(SessionsConfig.checks), (config) => Effect.result(config)).pipe(
        Effect.provide(fromEnv(env))
      )
      const failures = new Set(results.flatMap((result) => result._tag === "Failure" ? [String(result.failure)] : []))
      for (const name of ["REDIS_URL", "MAX_SESSIONS", "WORKER_MEMORY_MB", "SWARM_IMAGE_BY_ID", "TELEGRAM_API_ID", "SESSION_MASTER_KEY"]) {
        assert.isTrue([...failures].some((line) => line.includes(name)), `${name} is reported`)
      }
      assert.isTrue([...failures].every((line) => !line.includes("WORKER_CHECK_INTERVAL")), "what is fine is not reported")
    }))
})
