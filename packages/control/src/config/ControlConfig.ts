/**
 * Every environment variable the control plane reads, by area. Each area's module holds its variables' names,
 * defaults and rules; the services take plain options built from them, and `ConfigCheck` reads them all first.
 */
import * as BotConfig from "./BotConfig.ts"
import * as DataConfig from "./DataConfig.ts"
import * as DeliveryConfig from "./DeliveryConfig.ts"
import * as HttpConfig from "./HttpConfig.ts"
import * as ObservabilityConfig from "./ObservabilityConfig.ts"
import * as QueueConfig from "./QueueConfig.ts"
import * as SessionsConfig from "./SessionsConfig.ts"
import type { ConfigTree } from "./ConfigCheck.ts"

export const areas = {
  observability: { logFormat: ObservabilityConfig.logFormat, tracing: ObservabilityConfig.tracing },
  data: { url: DataConfig.url, pool: DataConfig.pool, embeddedPostgres: DataConfig.embeddedPostgres },
  queue: { redisUrl: QueueConfig.redisUrl, bullMq: QueueConfig.bullMq },
  http: HttpConfig.listener,
  sessions: SessionsConfig.checks,
  bot: BotConfig.bot,
  delivery: DeliveryConfig.delivery
} satisfies ConfigTree

/** What an operator should read when a variable is missing or malformed. */
export const hints: Readonly<Record<string, string>> = {
  BOT_TOKEN: "required: the bot's token from @BotFather",
  LOG_FORMAT: "must be json or pretty",
  HTTP_PORT: "must be a port number",
  EMBEDDED_POSTGRES_PORT: "must be a port number",
  DATABASE_POOL_SIZE: "must be a whole number",
  DATABASE_STARTUP_TIMEOUT: "must be a duration such as \"60 seconds\"",
  QUEUE_IDLE_TIMEOUT: "must be a duration such as \"30 seconds\"",
  QUEUE_SWEEP_INTERVAL: "must be a duration such as \"60 seconds\"",
  QUEUE_SKIP_VERSION_CHECK: "must be true or false",
  BOT_SEND_RATE: "must be a number of messages a second above 0",
  BOT_CHAT_RATE: "must be a number of messages a second above 0",
  BOT_GROUP_RATE: "must be a number of messages a minute above 0",
  DELIVERY_LEASE: "must be a duration such as \"30 seconds\""
}
