/** Where the control plane's HTTP endpoint listens (health, readiness, metrics and the webhook). */
import { Config } from "effect"

export const listener = {
  host: Config.String("HTTP_HOST").pipe(Config.withDefault("0.0.0.0")),
  port: Config.Port("HTTP_PORT").pipe(Config.withDefault(8080))
}
