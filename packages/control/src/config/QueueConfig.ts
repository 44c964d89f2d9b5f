/**
 * The per-account queues' Redis: `REDIS_URL` (unset: the in-memory queue of the single-process mode), BullMQ's
 * key prefix, how idle accounts' consumers close and are swept, and what happens to failed jobs.
 */
import { Config, Duration, Option, Redacted, Schema } from "effect"

/** `url` with `password` as its user's password (replacing any in the URL); a URL that does not parse is kept. */
export const withPassword = (url: Redacted.Redacted<string>, password: Option.Option<Redacted.Redacted<string>>) =>
  Option.match(Option.product(Option.fromNullishOr(URL.parse(Redacted.value(url))), password), {
    onNone: () => url,
    onSome: ([parsed, secret]) => {
      parsed.password = encodeURIComponent(Redacted.value(secret))
      return Redacted.make(parsed.href)
    }
  })

/** `REDIS_PASSWORD` (a Docker secret: `REDIS_PASSWORD_FILE`), the password of `REDIS_URL`'s user. */
export const redisPassword = Config.option(Config.Redacted("REDIS_PASSWORD"))

/** `REDIS_URL` with `REDIS_PASSWORD`. Unset: no Redis, the single-process mode's in-memory queue. */
export const redisUrl = Config.all({ url: Config.option(Config.Redacted("REDIS_URL")), password: redisPassword }).pipe(
  Config.map(({ password, url }) => Option.map(url, (given) => withPassword(given, password)))
)

export const bullMq = {
  prefix: Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull")),
  idleTimeout: Config.Duration("QUEUE_IDLE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  sweepInterval: Config.Duration("QUEUE_SWEEP_INTERVAL").pipe(Config.withDefault(Duration.seconds(60))),
  /** For a Redis ACL user without `+info`. */
  skipVersionCheck: Config.Boolean("QUEUE_SKIP_VERSION_CHECK").pipe(Config.withDefault(false))
}

/**
 * For both queues: the longest a consumer waits after a transient failure (`QUEUE_BACKOFF_MAX`, 30 seconds), and
 * how many parked jobs each queue keeps (`QUEUE_FAILED_MAX_COUNT`, at least 1, default 100) for how long
 * (`QUEUE_FAILED_MAX_AGE`, 7 days): they hold customers' names and order texts.
 */
export const failures = {
  maxBackoff: Config.Duration("QUEUE_BACKOFF_MAX").pipe(Config.withDefault(Duration.seconds(30))),
  failedJobsKept: Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "QUEUE_FAILED_MAX_COUNT").pipe(
    Config.withDefault(100)
  ),
  failedJobsMaxAge: Config.Duration("QUEUE_FAILED_MAX_AGE").pipe(Config.withDefault(Duration.days(7)))
}
