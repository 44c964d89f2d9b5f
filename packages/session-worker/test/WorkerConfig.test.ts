import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option, Redacted } from "effect"
import { portFile } from "../src/tdlib/fake/TdlFake.ts"
import { databaseDirectory, filesDirectory } from "../src/tdlib/Tdl.ts"
import { accountFolder, programSettings, workerSettings } from "../src/WorkerConfig.ts"
import { sessionKey } from "./TestConfig.ts"

const minimal = {
  PHONE_NUMBER: "+55 (11) 91234-5678",
  REDIS_URL: "redis://127.0.0.1:6379",
  SESSION_KEY: sessionKey,
  TDL_DRIVER: "fake"
}

const read = (env: Record<string, string>) =>
  programSettings.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

const refusal = (env: Record<string, string>) => Effect.flip(read(env)).pipe(Effect.map((error) => error.lines))

describe("WorkerConfig", () => {
  it.effect("reads the environment with its defaults", () =>
    Effect.gen(function*() {
      const { logFormat, queue, worker: config } = yield* read({
        ...minimal,
        DATA_DIR: "/srv/vigia",
        CONTAINER_ID: "vigia-worker-1"
      })
      assert.strictEqual(config.phone, "5511912345678")
      assert.strictEqual(Redacted.value(queue.redisUrl), "redis://127.0.0.1:6379")
      assert.strictEqual(queue.prefix, "bull")
      assert.strictEqual(logFormat, "json")
      assert.strictEqual(Duration.toMillis(config.heartbeatInterval), 5_000)
      assert.strictEqual(Duration.toMillis(config.commandTimeout), 30_000)
      assert.deepStrictEqual(config.tdl, { _tag: "Fake", sideChannelPort: 0, script: Option.none() })
      assert.strictEqual(databaseDirectory(accountFolder(config)), "/srv/vigia/5511912345678/database")
      assert.strictEqual(filesDirectory(accountFolder(config)), "/srv/vigia/5511912345678/files")
      assert.strictEqual(portFile(accountFolder(config)), "/srv/vigia/5511912345678/fake-tdl.port")
      assert.strictEqual(config.containerId, "vigia-worker-1")
      assert.notInclude(String(config.sessionKey), sessionKey)
    }))

  it.effect("reads durations in seconds or in words, and the TDLib driver's settings", () =>
    Effect.gen(function*() {
      const { logFormat, queue, worker: config } = yield* read({
        ...minimal,
        QUEUE_PREFIX: "vigia",
        TDL_DRIVER: "tdlib",
        TELEGRAM_API_ID: "12345",
        TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef",
        TDL_DATABASE_ENCRYPTION_KEY: "c2VjcmV0LWtleQ==",
        TDL_NETWORK: "none",
        HEARTBEAT_INTERVAL: "1",
        COMMAND_TIMEOUT: "1500 millis",
        LOG_FORMAT: "pretty"
      })
      assert.strictEqual(Duration.toMillis(config.heartbeatInterval), 1_000)
      assert.strictEqual(Duration.toMillis(config.commandTimeout), 1_500)
      assert.strictEqual(logFormat, "pretty")
      assert.strictEqual(queue.prefix, "vigia")
      assert.strictEqual(config.tdl._tag, "Tdlib")
      if (config.tdl._tag === "Tdlib") {
        assert.strictEqual(config.tdl.apiId, 12345)
        assert.strictEqual(Redacted.value(config.tdl.apiHash), "0123456789abcdef0123456789abcdef")
        assert.strictEqual(config.tdl.network, "none")
        assert.isTrue(Option.isSome(config.tdl.databaseEncryptionKey))
      }
    }))

  it.effect("refuses bad configuration with one line naming the variable", () =>
    Effect.gen(function*() {
      const { PHONE_NUMBER: _, ...noPhone } = minimal
      assert.deepStrictEqual(yield* refusal(noPhone), ["invalid configuration: PHONE_NUMBER is required"])
      const one = (lines: ReadonlyArray<string>) => {
        assert.strictEqual(lines.length, 1, lines.join("\n"))
        return lines[0] ?? ""
      }
      assert.match(one(yield* refusal({ ...minimal, PHONE_NUMBER: "12" })), /^invalid configuration: PHONE_NUMBER /)
      assert.match(one(yield* refusal({ ...minimal, REDIS_URL: "http://x" })), /^invalid configuration: REDIS_URL /)
      assert.match(one(yield* refusal({ ...minimal, SESSION_KEY: "c2hvcnQ=" })), /^invalid configuration: SESSION_KEY /)
      assert.match(one(yield* refusal({ ...minimal, TDL_DRIVER: "mtproto" })), /^invalid configuration: TDL_DRIVER /)
      assert.match(one(yield* refusal({ ...minimal, HEARTBEAT_INTERVAL: "often" })), /^invalid configuration: HEARTBEAT_INTERVAL /)
      assert.match(one(yield* refusal({ ...minimal, HEARTBEAT_INTERVAL: "0" })), /^invalid configuration: HEARTBEAT_INTERVAL /)
      assert.match(one(yield* refusal({ ...minimal, FAKE_TDL_PORT: "70000" })), /^invalid configuration: FAKE_TDL_PORT /)
      assert.match(one(yield* refusal({ ...minimal, QUEUE_PREFIX: "a:b" })), /^invalid configuration: QUEUE_PREFIX /)
      assert.match(
        one(yield* refusal({ ...minimal, TDL_DRIVER: "tdlib", TELEGRAM_API_ID: "1", TELEGRAM_API_HASH: "h", TDL_DATABASE_ENCRYPTION_KEY: "não" })),
        /^invalid configuration: TDL_DATABASE_ENCRYPTION_KEY /
      )
      assert.notInclude(one(yield* refusal({ ...minimal, SESSION_KEY: "c2hvcnQ=" })), "c2hvcnQ=")
      assert.notInclude(one(yield* refusal({ ...minimal, REDIS_URL: "http://user:s3cret@x" })), "s3cret")
    }))

  it.effect("reports every problem at once, one line each", () =>
    Effect.gen(function*() {
      const { SESSION_KEY: _, ...noKey } = minimal
      const lines = yield* refusal({
        ...noKey,
        PHONE_NUMBER: "12ab",
        REDIS_URL: "http://x",
        COMMAND_TIMEOUT: "soon",
        LOG_FORMAT: "xml"
      })
      assert.deepStrictEqual(lines.map((line) => line.split(" ")[2]), [
        "PHONE_NUMBER",
        "SESSION_KEY",
        "COMMAND_TIMEOUT",
        "REDIS_URL",
        "LOG_FORMAT"
      ])
      assert.include(lines, "invalid configuration: SESSION_KEY is required")
      assert.include(lines, "invalid configuration: LOG_FORMAT must be one of json, pretty, got \"xml\"")
      assert.deepStrictEqual(yield* refusal({ ...minimal, TDL_DRIVER: "tdlib" }), [
        "invalid configuration: TELEGRAM_API_ID is required",
        "invalid configuration: TELEGRAM_API_HASH is required"
      ])
    }))

  it.effect("the worker's own settings need no Redis: the inline runtime gives it its queue", () =>
    Effect.gen(function*() {
      const { REDIS_URL: _, ...noRedis } = minimal
      const config = yield* workerSettings.pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: noRedis })))
      )
      assert.strictEqual(config.phone, "5511912345678")
      const lines = yield* refusal(noRedis)
      assert.deepStrictEqual(lines, ["invalid configuration: REDIS_URL is required"])
    }))
})
