/**
 * Pooled workers: `WORKER_ACCOUNTS_PER_PROCESS` accounts at most in one worker process, container or Swarm service
 * (default 1: each account isolated in a worker of its own). What a pool shares and what it keeps apart: README.
 */
import { Config, Schema } from "effect"
import type { PoolOptions } from "../sessions/manager/Pools.ts"
import { deployment } from "./SessionsConfig.ts"

/** The most accounts a pool may hold: beyond this, one process's failure takes too many sellers down at once. */
export const maxAccountsPerProcess = 1000

export const accountsPerProcess = Config.schema(
  Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: maxAccountsPerProcess })),
  "WORKER_ACCOUNTS_PER_PROCESS"
).pipe(Config.withDefault(1))

/** What every pool is handed besides its id, key and Redis user: its accounts' queue prefix, its log format. */
export const pooling: Config.Wrap<Omit<PoolOptions, "poolKeyFor" | "redisUrlFor">> = {
  accountsPerProcess,
  deployment,
  environment: Config.all({
    QUEUE_PREFIX: Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull")),
    LOG_FORMAT: Config.Literals(["json", "pretty"], "WORKER_LOG_FORMAT").pipe(Config.withDefault("json" as const))
  })
}

export const checks = { accountsPerProcess }
