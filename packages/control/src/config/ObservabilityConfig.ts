/** How the control plane reports on itself: the log format. */
import { Config } from "effect"

export const logFormat = Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const))
