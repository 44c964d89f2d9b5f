/**
 * The gate's entry point: its configuration read, then the gate run until SIGTERM. It holds the engine's socket so
 * that the control plane does not: the control plane reaches the engine only through it (`DOCKER_HOST`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, Effect, Layer, Logger } from "effect"
import { Gate } from "./Gate.ts"
import * as GateConfig from "./GateConfig.ts"

const program = Effect.gen(function*() {
  const options = yield* Config.unwrap(GateConfig.gate)
  const format = yield* GateConfig.logFormat
  return yield* Layer.launch(Gate.layer(options)).pipe(
    Effect.provide(Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()]))
  )
})

NodeRuntime.runMain(program)
