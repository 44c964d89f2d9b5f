/**
 * A pool worker's configuration: which pool it is, the key its roster's accounts are sealed with, its own Redis
 * (as the pool's user: it reads its roster and nothing else), where its accounts' folders are. Each account's own
 * variables (its phone, session key, Redis user, TDLib key…) come from the roster, not from here.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Config, Duration, Option, type Redacted } from "effect"
import * as Os from "node:os"
import {
  area,
  folder,
  type InvalidConfiguration,
  logFormat,
  optional,
  phoneNumber,
  positiveDuration,
  queuePrefix,
  redisUrl,
  required,
  sessionKey,
  settle,
  some,
  text
} from "./WorkerConfig.ts"
import type { Effect } from "effect"

export interface PoolSettings {
  /** The pool's own name among the accounts' (digits under a calling code no country has). */
  readonly poolId: PhoneNumber
  /** Opens its roster's sealed accounts (base64, 32 bytes). */
  readonly poolKey: Redacted.Redacted<string>
  /** Holds every account's folder, `{dataDir}/{phone}`. */
  readonly dataDir: string
  readonly containerId: string
  /** The pool's own Redis user; none where the queue is given (the inline runtime). */
  readonly redisUrl: Option.Option<Redacted.Redacted<string>>
  readonly prefix: string
  readonly logFormat: "json" | "pretty"
  /** How often the roster is read. */
  readonly rosterInterval: Duration.Duration
}

const pool = area({
  poolId: required("POOL_ID", phoneNumber),
  poolKey: required("POOL_KEY", sessionKey),
  dataDir: optional("DATA_DIR", folder, "/user-data"),
  containerId: optional("CONTAINER_ID", text, Os.hostname()),
  redisUrl: optional("REDIS_URL", some(redisUrl), Option.none()),
  prefix: optional("QUEUE_PREFIX", queuePrefix, "bull"),
  logFormat,
  rosterInterval: optional("POOL_ROSTER_INTERVAL", positiveDuration, Duration.seconds(1))
})

/** Whether this worker is a pool: `POOL_ID` is set. */
export const isPool: Config.Config<boolean> = Config.option(Config.String("POOL_ID")).pipe(Config.map(Option.isSome))

export const poolSettings: Effect.Effect<PoolSettings, InvalidConfiguration> = settle(pool)
