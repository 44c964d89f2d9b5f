/**
 * Where the control plane's PostgreSQL is: `DATABASE_URL`, or an embedded cluster in the data folder when it is
 * unset, and the pool's size and start-up patience.
 */
import { Config, Duration, Option, Redacted } from "effect"

/** `DATABASE_URL` (TLS when it says `sslmode=require`); unset or blank: the embedded PostgreSQL. */
export const url = Config.option(Config.Redacted("DATABASE_URL")).pipe(
  Config.map(Option.filter((value) => Redacted.value(value).trim() !== ""))
)

export const pool = {
  poolSize: Config.Int("DATABASE_POOL_SIZE").pipe(Config.withDefault(10)),
  startupTimeout: Config.Duration("DATABASE_STARTUP_TIMEOUT").pipe(Config.withDefault(Duration.seconds(60)))
}

export const embeddedPostgres = {
  dataDirectory: Config.String("VIGIA_DATA_DIR").pipe(Config.withDefault("data")),
  /** 0: a free port at each start. */
  port: Config.Port("EMBEDDED_POSTGRES_PORT").pipe(Config.withDefault(0))
}
