/**
 * The environment each account's worker runs with: its queues' Redis (as the account's own user) and prefix, the
 * Telegram driver and its credentials, its TDLib database's own key, its log format and heartbeat, and its own
 * session key; secrets kept apart from plain variables.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Config, Context, Effect, Layer, Option, type Redacted } from "effect"
import type { WorkerSpec } from "../runtimes/ContainerRuntime.ts"
import { SessionKeys } from "../SessionKeys.ts"
import { WorkerRedisUsers } from "../WorkerRedisUsers.ts"

/** Real TDLib with the API credentials from my.telegram.org, or the fake TDLib with its optional script. */
export type TdlSettings =
  | {
    readonly driver: "tdlib"
    readonly apiId: number
    readonly apiHash: Redacted.Redacted<string>
    /** The one key earlier versions encrypted every account's database with: workers move off it to their own. */
    readonly previousDatabaseEncryptionKey: Option.Option<Redacted.Redacted<string>>
  }
  | { readonly driver: "fake"; readonly script: Option.Option<string> }

export interface WorkerEnvironmentOptions {
  readonly queuePrefix: string
  readonly tdl: TdlSettings
  readonly logFormat: "json" | "pretty"
  /** Seconds between the worker's heartbeats. */
  readonly heartbeatInterval: number
}

export class WorkerEnvironment extends Context.Service<WorkerEnvironment, {
  readonly specFor: (phone: PhoneNumber) => Effect.Effect<WorkerSpec>
}>()("@vigia/control/sessions/manager/WorkerEnvironment") {
  static readonly make = Effect.fnUntraced(function*(options: WorkerEnvironmentOptions) {
    const keys = yield* SessionKeys
    const redis = yield* WorkerRedisUsers
    const { tdl } = options
    const byDriver = (phone: PhoneNumber) =>
      tdl.driver === "tdlib"
        ? {
          environment: { TELEGRAM_API_ID: Option.some(String(tdl.apiId)) },
          secrets: {
            TELEGRAM_API_HASH: Option.some(tdl.apiHash),
            TDL_DATABASE_ENCRYPTION_KEY: Option.some(keys.databaseKeyFor(phone)),
            TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY: tdl.previousDatabaseEncryptionKey
          }
        }
        : { environment: { FAKE_TDL_SCRIPT: tdl.script }, secrets: {} }
    const specFor = (phone: PhoneNumber) => {
      const driver = byDriver(phone)
      return Effect.succeed<WorkerSpec>({
        phone,
        environment: present({
          PHONE_NUMBER: Option.some(phone),
          QUEUE_PREFIX: Option.some(options.queuePrefix),
          TDL_DRIVER: Option.some(tdl.driver),
          LOG_FORMAT: Option.some(options.logFormat),
          HEARTBEAT_INTERVAL: Option.some(String(options.heartbeatInterval)),
          ...driver.environment
        }),
        secrets: present({ REDIS_URL: redis.urlFor(phone), SESSION_KEY: Option.some(keys.keyFor(phone)), ...driver.secrets })
      })
    }
    return WorkerEnvironment.of({ specFor })
  })

  static readonly layer = (options: WorkerEnvironmentOptions) => Layer.effect(WorkerEnvironment, WorkerEnvironment.make(options))

  static readonly layerConfig = (config: Config.Wrap<WorkerEnvironmentOptions>) =>
    Layer.effect(WorkerEnvironment, Effect.flatMap(Config.unwrap(config), WorkerEnvironment.make))
}

/** The variables that have a value. */
const present = <A>(record: Readonly<Record<string, Option.Option<A>>>): Record<string, A> =>
  Object.fromEntries(Object.entries(record).flatMap(([name, value]) => Option.isSome(value) ? [[name, value.value]] : []))
