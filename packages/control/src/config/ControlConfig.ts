/**
 * Every environment variable the control plane reads, by area. Each area's module holds its variables' names,
 * defaults and rules; the services take plain options built from them, and `ConfigCheck` reads them all first.
 */
import * as BotConfig from "./BotConfig.ts"
import * as DataConfig from "./DataConfig.ts"
import * as DeliveryConfig from "./DeliveryConfig.ts"
import * as HttpConfig from "./HttpConfig.ts"
import * as ObservabilityConfig from "./ObservabilityConfig.ts"
import * as PlansConfig from "./PlansConfig.ts"
import * as PoolingConfig from "./PoolingConfig.ts"
import * as QueueConfig from "./QueueConfig.ts"
import * as SellerDataConfig from "./SellerDataConfig.ts"
import * as SessionsConfig from "./SessionsConfig.ts"
import type { ConfigTree } from "./ConfigCheck.ts"

export const areas = {
  observability: { logFormat: ObservabilityConfig.logFormat, tracing: ObservabilityConfig.tracing },
  data: { url: DataConfig.url, pool: DataConfig.pool, embeddedPostgres: DataConfig.embeddedPostgres },
  queue: { redisUrl: QueueConfig.redisUrl, bullMq: QueueConfig.bullMq, failures: QueueConfig.failures },
  http: HttpConfig.http,
  sessions: SessionsConfig.checks,
  pooling: PoolingConfig.checks,
  bot: BotConfig.bot,
  plans: PlansConfig.enforcement,
  newSellers: PlansConfig.newSellers,
  delivery: DeliveryConfig.delivery,
  summaries: SellerDataConfig.summaries,
  retention: SellerDataConfig.retention
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
  PLAN_CHECK_INTERVAL: "must be a duration such as \"1 minute\"",
  QUEUE_BACKOFF_MAX: "must be a duration such as \"30 seconds\"",
  QUEUE_FAILED_MAX_COUNT: "must be a whole number, at least 1",
  QUEUE_FAILED_MAX_AGE: "must be a duration such as \"7 days\"",
  BOT_POLL_TIMEOUT: "must be a duration such as \"25 seconds\"",
  PHONE_DEFAULT_REGION: "must be a two-letter region code such as BR",
  LOGIN_TIMEOUT: "must be a duration such as \"10 minutes\"",
  LOGIN_RATE_LIMIT: "must be a whole number, at least 1",
  LOGIN_RATE_WINDOW: "must be a duration such as \"1 hour\"",
  START_QUEUE_TIMEOUT: "must be a duration such as \"5 minutes\"",
  DEFAULT_PLAN: "must be free, basic or premium",
  DEFAULT_PLAN_DAYS: "must be a whole number of days, at least 1",
  PLAN_PRICE_BASIC_STARS: "must be a whole number of Telegram Stars (0: not sold in the bot)",
  PLAN_PRICE_PREMIUM_STARS: "must be a whole number of Telegram Stars (0: not sold in the bot)",
  BOT_SEND_RATE: "must be a number of messages a second above 0",
  BOT_CHAT_RATE: "must be a number of messages a second above 0",
  BOT_GROUP_RATE: "must be a number of messages a minute above 0",
  DELIVERY_LEASE: "must be a duration such as \"30 seconds\"",
  SUMMARY_CHECK_INTERVAL: "must be a duration such as \"1 minute\"",
  ORDER_RETENTION_DAYS: "must be a whole number of days, at least 1",
  RETENTION_CHECK_INTERVAL: "must be a duration such as \"1 hour\"",
  WORKER_ACCOUNTS_PER_PROCESS: "must be a whole number from 1 to 1000 (1: each account in a worker of its own)"
}
