/** How the control plane reports on itself: the log format, and where its traces go. */
import { Config } from "effect"
import type { TracingOptions } from "../observability/Tracing.ts"

export const logFormat = Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const))

/** `OTEL_EXPORTER_OTLP_ENDPOINT` (unset: no traces exported) and `OTEL_SERVICE_NAME` (default `vigia-control`). */
export const tracing: Config.Wrap<TracingOptions> = {
  endpoint: Config.option(Config.String("OTEL_EXPORTER_OTLP_ENDPOINT")),
  serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault("vigia-control"))
}
