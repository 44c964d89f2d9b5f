/**
 * The per-account queues' Redis: `REDIS_URL` (unset: the in-memory queue of the single-process mode), BullMQ's
 * key prefix, and how idle accounts' consumers close and are swept.
 */
import { Config, Duration } from "effect"

/** Unset: no Redis, the single-process mode's in-memory queue. */
export const redisUrl = Config.option(Config.Redacted("REDIS_URL"))

export const bullMq = {
  prefix: Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull")),
  idleTimeout: Config.Duration("QUEUE_IDLE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  sweepInterval: Config.Duration("QUEUE_SWEEP_INTERVAL").pipe(Config.withDefault(Duration.seconds(60))),
  /** For a Redis ACL user without `+info`. */
  skipVersionCheck: Config.Boolean("QUEUE_SKIP_VERSION_CHECK").pipe(Config.withDefault(false))
}
