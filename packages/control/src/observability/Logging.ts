/** The control plane's logger: pretty lines for a terminal, or JSON for a log collector (`LOG_FORMAT`). */
import { Effect, Layer, Logger } from "effect"
import * as ObservabilityConfig from "../config/ObservabilityConfig.ts"

export const layer = Layer.unwrap(Effect.map(
  ObservabilityConfig.logFormat,
  (format) => Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()])
))
