/**
 * Test settings for one worker: a random phone (so queues never collide with other
 * tests on the shared Redis), a temporary data folder removed afterwards, short timings.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Tdl } from "../src/tdlib/Tdl.ts"
import { accountFolder, type WorkerSettings } from "../src/WorkerConfig.ts"

export const randomPhone = (): PhoneNumber =>
  Schema.decodeSync(PhoneNumber)(`5511${String(900_000_000 + Math.floor(Math.random() * 99_999_999))}`)

export const sessionKey = Buffer.alloc(32, 7).toString("base64")

export const makeDataDir = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-worker-"))

export const testConfig = (dataDir: string, overrides: Partial<WorkerSettings> = {}): WorkerSettings => ({
  phone: randomPhone(),
  dataDir,
  containerId: "test-worker",
  sessionKey: Redacted.make(sessionKey),
  heartbeatInterval: Duration.millis(300),
  commandTimeout: Duration.seconds(2),
  tdl: { _tag: "Fake", sideChannelPort: 0, script: Option.none() },
  ...overrides
})

/** The settings of the worker a test runs, for the test to read. */
export class TestConfig extends Context.Service<TestConfig, WorkerSettings>()("test/TestConfig") {
  /** Settings over a fresh temporary data folder, removed when the layer is released. */
  static readonly layer = (overrides: Partial<WorkerSettings> = {}) =>
    Layer.effect(
      TestConfig,
      Effect.acquireRelease(
        Effect.sync(() => testConfig(makeDataDir(), overrides)),
        (config) => Effect.sync(() => Fs.rmSync(config.dataDir, { recursive: true, force: true }))
      )
    )
}

/** The fake TDLib of `config` (its script: none, the default account), and the `TdlFake` that drives it. */
export const fakeTdl = (config: WorkerSettings, script = Option.none<string>()) =>
  Tdl.layerFake({
    folder: accountFolder(config),
    requestTimeout: config.commandTimeout,
    phone: config.phone,
    sideChannelPort: 0,
    script
  })
