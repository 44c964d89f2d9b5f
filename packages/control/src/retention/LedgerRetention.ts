/**
 * The ledger's retention, enforced continuously: a periodic pass anonymises the orders received longer ago than the
 * retention period (customers' names, ids and words; the prices stay), a batch at a time until none is left, and logs
 * and counts what it did.
 */
import { Clock, Config, Context, Duration, Effect, Layer, Metric, Schedule } from "effect"
import type { DatabaseError } from "../data/Database.ts"
import { OrderRetention } from "../data/OrderRetention.ts"

export interface LedgerRetentionOptions {
  /** How long customers' details stay in the ledger. */
  readonly period: Duration.Duration
  /** How often the pass runs. */
  readonly interval: Duration.Duration
}

/** Rows anonymised per statement: short transactions, whatever the backlog. */
export const batchSize = 500

export const ordersAnonymised = Metric.counter("vigia_orders_anonymised_total", {
  description: "Order ledger rows whose customer details were anonymised at the end of the retention period",
  incremental: true
})

export class LedgerRetention extends Context.Service<LedgerRetention, {
  /** One pass: every row past the period anonymised; answers how many. */
  readonly anonymise: Effect.Effect<number, DatabaseError>
}>()("@vigia/control/retention/LedgerRetention") {
  /** The service, with its pass run at start and then every `interval`. */
  static readonly layer = (options: LedgerRetentionOptions) => Layer.effect(LedgerRetention, make(options))

  static readonly layerConfig = (config: Config.Wrap<LedgerRetentionOptions>) =>
    Layer.effect(LedgerRetention, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: LedgerRetentionOptions) {
  const retention = yield* OrderRetention

  const anonymise = Effect.gen(function*() {
    const before = new Date((yield* Clock.currentTimeMillis) - Duration.toMillis(options.period))
    let total = 0
    while (true) {
      const done = yield* retention.anonymise(before, batchSize)
      total += done
      if (done > 0) yield* Metric.update(ordersAnonymised, done)
      if (done < batchSize) break
    }
    if (total > 0) {
      yield* Effect.logInfo("customer details past the retention period anonymised").pipe(
        Effect.annotateLogs({ orders: total, before: before.toISOString() })
      )
    }
    return total
  }).pipe(Effect.withSpan("LedgerRetention.anonymise"))

  yield* anonymise.pipe(
    Effect.catchCause((cause) => Effect.logError("the retention pass failed; trying again next pass", cause)),
    Effect.repeat(Schedule.spaced(options.interval)),
    Effect.forkScoped
  )

  return LedgerRetention.of({ anonymise })
})
