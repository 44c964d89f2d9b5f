/**
 * What the control plane does with sellers' data over time: how often due daily summaries are looked for
 * (`SUMMARY_CHECK_INTERVAL`), and how long customers' names and messages stay in the order ledger before they are
 * anonymised (`ORDER_RETENTION_DAYS`), checked every `RETENTION_CHECK_INTERVAL`.
 */
import { Config, Duration, Schema } from "effect"
import type { DailySummaryOptions } from "../bot/features/DailySummary.ts"
import type { LedgerRetentionOptions } from "../retention/LedgerRetention.ts"

/** `SUMMARY_CHECK_INTERVAL` (default 1 minute). */
export const summaries: Config.Wrap<DailySummaryOptions> = {
  interval: Config.Duration("SUMMARY_CHECK_INTERVAL").pipe(Config.withDefault(Duration.minutes(1)))
}

/** `ORDER_RETENTION_DAYS` (a whole number of days, at least 1; default 90) and `RETENTION_CHECK_INTERVAL` (default 1 hour). */
export const retention: Config.Wrap<LedgerRetentionOptions> = {
  period: Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "ORDER_RETENTION_DAYS").pipe(
    Config.withDefault(90),
    Config.map((days) => Duration.days(days))
  ),
  interval: Config.Duration("RETENTION_CHECK_INTERVAL").pipe(Config.withDefault(Duration.hours(1)))
}
