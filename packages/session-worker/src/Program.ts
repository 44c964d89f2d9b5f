/**
 * The whole session worker as one layer: the worker over its TDLib, real or fake as configured, or a pool of such
 * workers (`POOL_ID` set). `main.ts` launches it over Redis; the control plane's inline runtime loads `layer` and
 * gives it its own queue.
 */
import type { Queue, QueueError } from "@vigia/protocol/Queue"
import type { SecretBoxError } from "@vigia/protocol/SecretBox"
import { type Config, Effect, type FileSystem, Layer } from "effect"
import * as Pool from "./Pool.ts"
import { isPool, poolSettings } from "./PoolConfig.ts"
import { Tdl } from "./tdlib/Tdl.ts"
import type { TdlError } from "./tdlib/TdlError.ts"
import * as Worker from "./Worker.ts"
import { accountFolder, type InvalidConfiguration, type WorkerSettings, workerSettings } from "./WorkerConfig.ts"

/** The TDLib `settings` name, in the account's folder. */
const tdlOf = (settings: WorkerSettings): Layer.Layer<Tdl, TdlError, FileSystem.FileSystem> => {
  const common = { folder: accountFolder(settings), requestTimeout: settings.commandTimeout }
  return settings.tdl._tag === "Tdlib"
    ? Tdl.layer({ ...common, ...settings.tdl })
    : Tdl.layerFake({ ...common, ...settings.tdl, phone: settings.phone })
}

/** The worker of `settings`, given a `Queue` and a `FileSystem`; its TDLib is kept, for whoever watches it close. */
export const make = (
  settings: WorkerSettings
): Layer.Layer<Tdl, TdlError | QueueError | SecretBoxError, Queue | FileSystem.FileSystem> =>
  Worker.layer(settings).pipe(Layer.provideMerge(tdlOf(settings)))

/** The worker, or the pool, configured from the `ConfigProvider` in context, given a `Queue` and a `FileSystem`. */
export const layer: Layer.Layer<
  never,
  InvalidConfiguration | TdlError | QueueError | SecretBoxError | Config.ConfigError,
  Queue | FileSystem.FileSystem
> = Layer.unwrap(
  Effect.flatMap(isPool, (pool) =>
    pool
      ? Effect.map(poolSettings, Pool.layer)
      : Effect.map(workerSettings, (settings) => Worker.layer(settings).pipe(Layer.provide(tdlOf(settings)))))
)
