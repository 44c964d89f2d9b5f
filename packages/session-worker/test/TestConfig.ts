/**
 * Test configuration for one worker: a random phone (so queues never collide with other
 * tests on the shared Redis), a temporary data folder removed afterwards, short timings.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { WorkerConfig } from "../src/WorkerConfig.ts"

export const randomPhone = (): PhoneNumber =>
  Schema.decodeSync(PhoneNumber)(`5511${String(900_000_000 + Math.floor(Math.random() * 99_999_999))}`)

export const sessionKey = Buffer.alloc(32, 7).toString("base64")

export const makeDataDir = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-worker-"))

export const testConfig = (dataDir: string, overrides: Partial<WorkerConfig["Service"]> = {}) =>
  WorkerConfig.of({
    phone: randomPhone(),
    redisUrl: Redacted.make(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"),
    queuePrefix: "bull",
    dataDir,
    containerId: "test-worker",
    sessionKey: Redacted.make(sessionKey),
    logFormat: "json",
    heartbeatInterval: Duration.millis(300),
    commandTimeout: Duration.seconds(2),
    tdl: { _tag: "Fake", sideChannelPort: 0, script: Option.none() },
    ...overrides
  })

/** A `WorkerConfig` over a fresh temporary data folder, removed when the layer is released. */
export const testConfigLayer = (overrides: Partial<WorkerConfig["Service"]> = {}) =>
  Layer.effect(
    WorkerConfig,
    Effect.acquireRelease(
      Effect.sync(() => testConfig(makeDataDir(), overrides)),
      (config) => Effect.sync(() => Fs.rmSync(config.dataDir, { recursive: true, force: true }))
    )
  )
