/**
 * Where the control plane listens: the webhook's listener (`HTTP_HOST`/`HTTP_PORT`, the one address that may face
 * the internet, open only in webhook mode) and the operator's (`METRICS_HOST`/`METRICS_PORT`: health, readiness,
 * metrics; loopback by default).
 */
import { Config, Option, Schema, SchemaIssue } from "effect"
import * as BotConfig from "./BotConfig.ts"

export const listener = {
  host: Config.String("HTTP_HOST").pipe(Config.withDefault("0.0.0.0")),
  port: Config.Port("HTTP_PORT").pipe(Config.withDefault(8080))
}

/** The operator's listener; `METRICS_PORT` may not be the webhook's port when both listen. */
export const metrics = {
  host: Config.String("METRICS_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.all({ metrics: Config.Port("METRICS_PORT").pipe(Config.withDefault(9090)), webhook: listener.port, url: BotConfig.webhook.url })
    .pipe(
      Config.flatMap(({ metrics, url, webhook }) =>
        Option.isSome(url) && metrics === webhook
          ? Config.fail(
            new Schema.SchemaError(
              new SchemaIssue.Pointer(
                ["METRICS_PORT"],
                new SchemaIssue.InvalidValue({ message: "must differ from HTTP_PORT, the webhook's listener" })
              )
            )
          )
          : Config.succeed(metrics)
      )
    )
}

/** Both listeners, for the control plane's configuration check. */
export const http = { listener, metrics }
