/**
 * The whole session worker as one layer: the worker over its TDLib, real or fake as configured. `main.ts`
 * launches it over Redis; the control plane's inline runtime loads `layer` and gives it its own queue.
 */
import type { Queue, QueueError } from "@vigia/protocol/Queue"
import type { SecretBoxError } from "@vigia/protocol/SecretBox"
import { Effect, type FileSystem, Layer } from "effect"
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

/** The worker of `settings`, given a `Queue` and a `FileSystem`. */
export const make = (
  settings: WorkerSettings
): Layer.Layer<never, TdlError | QueueError | SecretBoxError, Queue | FileSystem.FileSystem> =>
  Worker.layer(settings).pipe(Layer.provide(tdlOf(settings)))

/** The worker configured from the `ConfigProvider` in context, given a `Queue` and a `FileSystem`. */
export const layer: Layer.Layer<
  never,
  InvalidConfiguration | TdlError | QueueError | SecretBoxError,
  Queue | FileSystem.FileSystem
> = Layer.unwrap(Effect.map(workerSettings, make))
