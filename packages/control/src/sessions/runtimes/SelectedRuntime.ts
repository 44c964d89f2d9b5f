/**
 * The runtime configuration chooses: `inline`, `process`, `docker` or `swarm`, each with its own settings.
 * Only `inline` needs the control plane's `Queue` (its workers share it), only `swarm` the `NodePins`.
 */
import type { Queue } from "@vigia/protocol/Queue"
import { Config, Effect, Layer } from "effect"
import type { ContainerRuntime, ContainerRuntimeError } from "./ContainerRuntime.ts"
import * as DockerRuntime from "./DockerRuntime.ts"
import * as InlineRuntime from "./InlineRuntime.ts"
import type { NodePins } from "./NodePins.ts"
import * as ProcessRuntime from "./ProcessRuntime.ts"
import * as SwarmRuntime from "./SwarmRuntime.ts"

export type RuntimeOptions =
  | ({ readonly kind: "inline" } & InlineRuntime.InlineRuntimeOptions)
  | ({ readonly kind: "process" } & ProcessRuntime.ProcessRuntimeOptions)
  | ({ readonly kind: "docker" } & DockerRuntime.DockerRuntimeOptions)
  | ({ readonly kind: "swarm" } & SwarmRuntime.SwarmRuntimeOptions)

export const layer = (options: RuntimeOptions): Layer.Layer<ContainerRuntime, ContainerRuntimeError, Queue | NodePins> => {
  switch (options.kind) {
    case "inline":
      return InlineRuntime.layer(options)
    case "process":
      return ProcessRuntime.layer(options)
    case "docker":
      return DockerRuntime.layer(options)
    case "swarm":
      return SwarmRuntime.layer(options)
  }
}

export const layerConfig = (config: Config.Wrap<RuntimeOptions>) => Layer.unwrap(Effect.map(Config.unwrap(config), layer))
