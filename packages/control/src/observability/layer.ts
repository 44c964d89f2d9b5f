/** The observability concern as one layer: the logger, and the tracer when traces are exported. */
import { Layer } from "effect"
import * as ObservabilityConfig from "../config/ObservabilityConfig.ts"
import * as Logging from "./Logging.ts"
import * as Tracing from "./Tracing.ts"

export const layer = Layer.merge(Logging.layer, Tracing.layerConfig(ObservabilityConfig.tracing))
