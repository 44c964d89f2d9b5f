/**
 * Orders under Telegram's flood limits: the fake Bot API enforces them (token buckets, 429 with `retry_after` past
 * them) and the bot paces under its default budgets (30 messages/s, 1/s into a chat, 20/min into a group). A steady
 * 20 orders/s over 50 sellers gives the latency from the group message to the report; then a flood that keeps every
 * seller's chat waiting gives the messages delivered a second against the overall budget, with nothing lost.
 */
import { Effect, Layer } from "effect"
import * as Baselines from "./Baselines.ts"
import { BotApiTap } from "./BotApiTap.ts"
import { drained, injectAtRate } from "./OrderInjection.ts"
import { compared, type Outcome, outcome } from "./Report.ts"
import * as SeededControl from "./SeededControl.ts"
import * as Stats from "./Stats.ts"

export interface LimitsOptions {
  readonly accounts: number
  /** Orders a second of the steady phase, and its measured seconds (after two unmeasured). */
  readonly steadyRate: number
  readonly steadySeconds: number
  /** Orders a second of the flood (well past what the budget delivers one per message), and its seconds. */
  readonly floodRate: number
  readonly floodSeconds: number
}

/** The bot's default overall budget, messages a second (`BOT_SEND_RATE`). */
const overallBudget = 30
/** The flood's first seconds fill every chat's backlog; the rate is read over the rest of the injection. */
const floodRampSeconds = 5

const measure = (options: LimitsOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const { tap, accounts, matched } = yield* SeededControl.start("limits", options.accounts)
    const messages: Array<number> = []
    tap.onSendMessage((arrival) => (messages.push(arrival.at), matched.arrival(arrival)))
    const refusedBefore = tap.refused()

    yield* injectAtRate(matched, accounts, options.steadyRate, 2, "steady-warm-up")
    const steadyRate = yield* injectAtRate(matched, accounts, options.steadyRate, options.steadySeconds, "steady")
    yield* drained(matched, "steady", 30_000)
    yield* drained(matched, "steady-warm-up", 5_000)

    const floodStarted = performance.now()
    yield* injectAtRate(matched, accounts, options.floodRate, options.floodSeconds, "flood")
    const floodEnded = performance.now()
    yield* drained(matched, "flood", 180_000)
    const windowStart = floodStarted + floodRampSeconds * 1000
    const inWindow = messages.filter((at) => at >= windowStart && at <= floodEnded).length
    return {
      steady: matched.latencies("steady"),
      steadyRate,
      messagesPerSecond: inWindow / ((floodEnded - windowStart) / 1000),
      floodOrders: matched.latencies("flood").length,
      floodMessages: messages.filter((at) => at >= floodStarted).length,
      lost: matched.waiting("steady") + matched.waiting("flood"),
      refused: tap.refused() - refusedBefore,
      failures: matched.failures()
    }
  })).pipe(Effect.provide(Layer.fresh(BotApiTap.layerWithLimits)))

export const run = (options: LimitsOptions): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const oneHop = Stats.latencies(yield* Baselines.bullMqAtRate(options.accounts, options.steadyRate, 5))
    const measured = yield* measure(options)
    const steady = Stats.latencies(measured.steady)
    const hop = (quantile: "p50" | "p99") => ({ label: `bare BullMQ one hop at ${options.steadyRate}/s`, value: oneHop[quantile] })
    const lostNote = `${measured.lost} orders lost, ${measured.refused} 429s from the fake, ${measured.failures} injections failed`
    return outcome(
      [
        {
          ...compared({
            key: "limits.messagesPerSecond",
            figure: `under Telegram's limits: report messages/s delivered in a flood over ${options.accounts} sellers`,
            value: measured.messagesPerSecond,
            unit: "messages/s"
          }, { label: "the configured overall budget", value: overallBudget }),
          target: { text: "≥ 0.95× the budget, 0 lost", met: measured.messagesPerSecond >= 0.95 * overallBudget && measured.lost === 0 },
          note: `${measured.floodOrders} orders at ${options.floodRate}/s went out in ${measured.floodMessages} messages; ${lostNote}`
        },
        compared({
          key: "limits.latency.p50Ms",
          figure: `under Telegram's limits: latency p50 at ${options.steadyRate} orders/s over ${options.accounts} sellers`,
          value: steady.p50,
          unit: "ms",
          note: `${steady.count} orders, injected at ${Math.round(measured.steadyRate)}/s`
        }, hop("p50")),
        {
          ...compared({
            key: "limits.latency.p99Ms",
            figure: `under Telegram's limits: latency p99 at ${options.steadyRate} orders/s over ${options.accounts} sellers`,
            value: steady.p99,
            unit: "ms"
          }, hop("p99")),
          target: { text: "p99 < 1.5 s", met: steady.p99 < 1500 }
        }
      ],
      [{ name: `order to report under Telegram's limits at ${options.steadyRate}/s`, samples: measured.steady }],
      { limits: { ...measured, steady } }
    )
  }).pipe(Effect.orDie)
