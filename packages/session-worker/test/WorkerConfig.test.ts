import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted } from "effect"
import { databaseDirectory, fakeTdlPortFile, filesDirectory, WorkerConfig } from "../src/WorkerConfig.ts"
import { sessionKey } from "./TestConfig.ts"

const minimal = {
  PHONE_NUMBER: "+55 (11) 91234-5678",
  REDIS_URL: "redis://127.0.0.1:6379",
  SESSION_KEY: sessionKey,
  TDL_DRIVER: "fake"
}

const read = (env: Record<string, string>) =>
  WorkerConfig.use(Effect.succeed).pipe(
    Effect.provide(WorkerConfig.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))))
  )

const refusal = (env: Record<string, string>) => Effect.flip(read(env)).pipe(Effect.map((error) => error.line))

describe("WorkerConfig", () => {
  it.effect("reads the environment with its defaults", () =>
    Effect.gen(function*() {
      const config = yield* read({ ...minimal, DATA_DIR: "/srv/vigia", CONTAINER_ID: "vigia-worker-1" })
      assert.strictEqual(config.phone, "5511912345678")
      assert.strictEqual(config.queuePrefix, "bull")
      assert.strictEqual(config.logFormat, "json")
      assert.strictEqual(Duration.toMillis(config.heartbeatInterval), 5_000)
      assert.strictEqual(Duration.toMillis(config.commandTimeout), 30_000)
      assert.deepStrictEqual(config.tdl, { _tag: "Fake", sideChannelPort: 0, script: Option.none() })
      assert.strictEqual(databaseDirectory(config), "/srv/vigia/5511912345678/database")
      assert.strictEqual(filesDirectory(config), "/srv/vigia/5511912345678/files")
      assert.strictEqual(fakeTdlPortFile(config), "/srv/vigia/5511912345678/fake-tdl.port")
      assert.strictEqual(config.containerId, "vigia-worker-1")
      assert.notInclude(String(config.sessionKey), sessionKey)
    }))

  it.effect("reads durations in seconds or in words, and the TDLib driver's settings", () =>
    Effect.gen(function*() {
      const config = yield* read({
        ...minimal,
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
      assert.strictEqual(config.logFormat, "pretty")
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
      assert.strictEqual(yield* refusal(noPhone), "invalid configuration: PHONE_NUMBER is required")
      assert.match(yield* refusal({ ...minimal, PHONE_NUMBER: "12" }), /^invalid configuration: PHONE_NUMBER /)
      assert.match(yield* refusal({ ...minimal, REDIS_URL: "http://x" }), /^invalid configuration: REDIS_URL /)
      assert.match(yield* refusal({ ...minimal, SESSION_KEY: "c2hvcnQ=" }), /^invalid configuration: SESSION_KEY /)
      assert.match(yield* refusal({ ...minimal, TDL_DRIVER: "mtproto" }), /^invalid configuration: TDL_DRIVER /)
      assert.match(yield* refusal({ ...minimal, HEARTBEAT_INTERVAL: "often" }), /^invalid configuration: HEARTBEAT_INTERVAL /)
      assert.match(yield* refusal({ ...minimal, FAKE_TDL_PORT: "70000" }), /^invalid configuration: FAKE_TDL_PORT /)
      assert.strictEqual(
        yield* refusal({ ...minimal, TDL_DRIVER: "tdlib" }),
        "invalid configuration: TELEGRAM_API_ID is required"
      )
      assert.match(
        yield* refusal({ ...minimal, TDL_DRIVER: "tdlib", TELEGRAM_API_ID: "1", TELEGRAM_API_HASH: "h", TDL_DATABASE_ENCRYPTION_KEY: "não" }),
        /^invalid configuration: TDL_DATABASE_ENCRYPTION_KEY /
      )
      for (const line of [yield* refusal({ ...minimal, SESSION_KEY: "c2hvcnQ=" })]) assert.notInclude(line, "c2hvcnQ=")
    }))
})
