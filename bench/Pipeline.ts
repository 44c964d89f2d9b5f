/**
 * Item 1: the order pipeline through the whole control plane, without Telegram's limits (the fake Bot API enforces
 * none and the bot's pacing budgets are lifted): sellers seeded, the built control plane as a process (process
 * runtime, fake TDLib workers), customers' orders injected through each worker's side channel; an order's latency
 * runs from its injection to the moment the fake Bot API takes the report carrying it. A fixed rate gives the
 * latency; injecting as fast as possible, the throughput and the CPU an order costs in each process.
 */
import { Effect, Layer } from "effect"
import * as Os from "node:os"
import * as Baselines from "./Baselines.ts"
import { BotApiTap } from "./BotApiTap.ts"
import { drained, injectAllAtOnce, injectAtRate } from "./OrderInjection.ts"
import { compared, type Outcome, outcome } from "./Report.ts"
import * as SeededControl from "./SeededControl.ts"
import * as Stats from "./Stats.ts"

/** The bot's pacing budgets lifted: these figures are the internal pipeline's, its headroom above Telegram's limits. */
const withoutLimits = { BOT_SEND_RATE: "1000000", BOT_CHAT_RATE: "1000000", BOT_GROUP_RATE: "1000000" }

export interface PipelineOptions {
  readonly accounts: number
  /** Orders per second of the fixed-rate phase. */
  readonly rate: number
  /** Seconds at that rate before measuring (unmeasured) and measured. */
  readonly warmUpSeconds: number
  readonly measuredSeconds: number
  /** Orders injected as fast as possible for the throughput. */
  readonly burst: number
}

/**
 * The pipeline with the control plane's process started under `env` (the `NODE_OPTIONS` of a profile run may be
 * added); returns latencies, throughput and what it saw.
 */
export const measure = (options: PipelineOptions, extraEnvironment: Readonly<Record<string, string>> = {}) =>
  Effect.scoped(Effect.gen(function*() {
    const { accounts, matched, control, allReadyMs, meter } = yield* SeededControl.start("pipe", options.accounts, {
      ...withoutLimits,
      ...extraEnvironment
    })
    const idleCpu = meter()
    yield* Effect.sleep("2 seconds")
    const cpuIdle = idleCpu()

    // Throughput: a bounded count injected as fast as the workers take it.
    const burstCpu = meter()
    const burst = yield* injectAllAtOnce(matched, accounts, options.burst, 128, "burst")
    const injectedAt = performance.now()
    yield* drained(matched, "burst", 60_000)
    const cpuBurst = burstCpu()
    const burstArrivals = matched.arrivals("burst")
    const lastArrival = Math.max(...burstArrivals)
    const afterInjection = burstArrivals.filter((at) => at > injectedAt).length

    // Latency at the fixed rate, then at a rate this machine sustains (two fifths of the throughput just measured).
    const throughput = burstArrivals.length / ((lastArrival - burst.startedAt) / 1000)
    const fixedRun = Effect.fnUntraced(function*(rate: number, warmUp: number, seconds: number, phase: string) {
      yield* injectAtRate(matched, accounts, rate, warmUp, `${phase}-warm-up`)
      const cpu = meter()
      const achieved = yield* injectAtRate(matched, accounts, rate, seconds, phase)
      yield* drained(matched, phase, 30_000)
      const used = cpu()
      yield* drained(matched, `${phase}-warm-up`, 5_000)
      return { rate, achieved, latencies: matched.latencies(phase), lost: matched.waiting(phase), cpu: used }
    })
    const fixed = yield* fixedRun(options.rate, options.warmUpSeconds, options.measuredSeconds, "fixed")
    const sustainableRate = Math.max(20, Math.round((throughput * 0.4) / 10) * 10)
    const gentle = yield* fixedRun(sustainableRate, 1, options.measuredSeconds, "gentle")
    return {
      throughput,
      injectionRate: burst.rate,
      /** Quotes a second once the injection had stopped: the control plane's pace with the workers quiet. */
      drainRate: afterInjection / ((lastArrival - injectedAt) / 1000),
      quotesPerSecond: Array.from({ length: Math.ceil((lastArrival - burst.startedAt) / 1000) }, (_, second) =>
        burstArrivals.filter((at) => Math.floor((at - burst.startedAt) / 1000) === second).length),
      fixed,
      gentle,
      lost: matched.waiting("burst") + fixed.lost + gentle.lost,
      failures: matched.failures(),
      burstOrders: burstArrivals.length,
      controlReadyMs: control.readyAfterMs,
      allReadyMs,
      cpu: { idle: cpuIdle, burst: cpuBurst, fixed: fixed.cpu, gentle: gentle.cpu }
    }
  })).pipe(Effect.provide(Layer.fresh(BotApiTap.layer)))

/** A warning when other processes took a noticeable share of the machine while the orders flowed. */
const busyMachine = (usage: { readonly seconds: number; readonly others: Readonly<Record<string, number>> }) => {
  const others = Object.values(usage.others).reduce((sum, seconds) => sum + seconds, 0)
  return others / usage.seconds < 0.1
    ? ""
    : `; other processes used ${others.toFixed(1)} CPU-s of the ${(usage.seconds * Os.cpus().length).toFixed(0)} available (${Object.keys(usage.others).slice(0, 3).join(", ")}): the machine was busy`
}

/** CPU-milliseconds an order cost across the pipeline's processes while `orders` went through, split by process. */
const cpuPerOrder = (
  usage: { readonly used: Readonly<Record<string, number>> },
  orders: number,
  baseline: { readonly label: string; readonly value: number }
) => {
  const each = (name: string) => ((usage.used[name] ?? 0) * 1000) / orders
  const split = ["workers", "control", "postgres", "redis"].map((name) => `${name} ${each(name).toFixed(2)}`).join(", ")
  const total = ["workers", "control", "postgres", "redis"].reduce((sum, name) => sum + each(name), 0)
  return {
    ...compared({ key: "pipeline.cpuMsPerOrder", figure: "pipeline: CPU per order, all processes", value: total, unit: "ms" }, baseline),
    target: { text: "< 2 ms", met: total < 2 },
    note: `by process: ${split} (during the throughput run)`
  }
}

export const run = (options: PipelineOptions): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const { jobsPerSecond: raw, cpuMsPerJob } = yield* Baselines.bullMqThroughput(options.accounts, 20_000)
    const oneHop = yield* Baselines.bullMqAtRate(options.accounts, options.rate, Math.min(5, options.measuredSeconds))
    const measured = yield* measure(options)
    const hop = Stats.latencies(oneHop)
    const rawLabel = `raw BullMQ, ${options.accounts} queues, no-op`
    const hopBaseline = (quantile: "p50" | "p95" | "p99") => ({ label: `bare BullMQ one hop at ${options.rate}/s`, value: hop[quantile] })
    const latencyRows = (run: typeof measured.fixed, quantiles: ReadonlyArray<"p50" | "p95" | "p99">, target: boolean) => {
      const latency = Stats.latencies(run.latencies)
      return quantiles.map((quantile) =>
        compared(
          {
            key: `pipeline.latency${target ? "" : `At${run.rate}`}.${quantile}Ms`,
            figure: `pipeline: latency ${quantile} at ${run.rate} orders/s over ${options.accounts} accounts`,
            value: latency[quantile],
            unit: "ms",
            ...(target && quantile === "p99" ? { target: { text: "p99 < 50 ms", met: latency.p99 < 50 } } : {}),
            ...(quantile === "p50" ? { note: `${run.latencies.length} orders, injected at ${Math.round(run.achieved)}/s` } : {})
          },
          hopBaseline(quantile)
        ))
    }
    return outcome(
      [
        {
          ...compared(
            {
              key: "pipeline.throughput",
              figure: `pipeline: sustained orders/s end to end (${options.accounts} accounts, ${options.burst} orders)`,
              value: measured.throughput,
              unit: "orders/s"
            },
            { label: rawLabel, value: raw }
          ),
          target: { text: "≥ 0.5× raw BullMQ", met: measured.throughput >= raw / 2 },
          note: `${measured.lost} orders lost, ${measured.failures} injections failed; workers ready ` +
            `${(measured.allReadyMs / 1000).toFixed(1)} s after the control plane's spawn` + busyMachine(measured.cpu.burst)
        },
        compared(
          {
            key: "pipeline.drainRate",
            figure: "pipeline: quotes/s draining the backlog once injection stopped",
            value: measured.drainRate,
            unit: "orders/s"
          },
          { label: rawLabel, value: raw }
        ),
        cpuPerOrder(measured.cpu.burst, measured.burstOrders, { label: `raw BullMQ, a no-op job`, value: cpuMsPerJob }),
        ...latencyRows(measured.fixed, ["p50", "p95", "p99"], true),
        ...latencyRows(measured.gentle, ["p50", "p99"], false)
      ],
      [
        { name: `order pipeline at ${options.rate}/s`, samples: measured.fixed.latencies },
        { name: `order pipeline at ${measured.gentle.rate}/s`, samples: measured.gentle.latencies },
        { name: `bare BullMQ one hop at ${options.rate}/s`, samples: oneHop }
      ],
      {
        pipeline: {
          throughput: measured.throughput,
          injectionRate: measured.injectionRate,
          drainRate: measured.drainRate,
          quotesPerSecondDuringBurst: measured.quotesPerSecond,
          fixed: { rate: measured.fixed.rate, achieved: measured.fixed.achieved, ...Stats.latencies(measured.fixed.latencies) },
          gentle: { rate: measured.gentle.rate, achieved: measured.gentle.achieved, ...Stats.latencies(measured.gentle.latencies) },
          lost: measured.lost,
          failures: measured.failures,
          controlReadyMs: measured.controlReadyMs,
          workersReadyMs: measured.allReadyMs,
          cpuSeconds: measured.cpu,
          rawBullMqJobsPerSecond: raw
        }
      }
    )
  }).pipe(Effect.orDie)
