/**
 * Item 1: the order pipeline through the whole control plane. Sellers seeded through the control's data layer, the
 * built control plane started as a process (process runtime, fake TDLib workers, fake Bot API), customers' orders
 * injected through each worker's fake-TDLib side channel; an order's latency runs from its injection to the moment
 * the fake Bot API receives the quote. A fixed rate gives the latency; injecting as fast as possible, the throughput.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Baselines from "./Baselines.ts"
import { type Arrival, BotApiTap } from "./BotApiTap.ts"
import * as ControlPlane from "./ControlPlane.ts"
import {
  cpuMeter,
  deleteRedisKeys,
  pidsNamed,
  queuePrefix,
  scratchDatabase,
  scratchDirectory,
  waitUntil
} from "./Environment.ts"
import { compared, type Outcome, outcome } from "./Report.ts"
import * as Seed from "./Seed.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

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

interface Account {
  readonly index: number
  readonly phone: PhoneNumber
  /** The seller's private chat with the bot: where the quote goes. */
  readonly chatId: number
  port: number
}

/** TDLib's message ids are the server's ids shifted left by 20 bits; the quote's link carries the server's id. */
const serverIdFactor = 2 ** 20
const linkPattern = /https:\/\/t\.me\/c\/\d+\/(\d+)/

/** Injections and quote arrivals, matched by the seller's chat and the message's server id. */
const matcher = () => {
  const injected = new Map<string, { readonly at: number; readonly phase: string }>()
  const arrived = new Map<string, number>()
  const latencies = new Map<string, Array<number>>()
  const arrivals = new Map<string, Array<number>>()
  /** Injections whose side channel has not answered yet, by phase. */
  const inFlight = new Map<string, number>()
  let failures = 0
  const match = (key: string) => {
    const injection = injected.get(key)
    const at = arrived.get(key)
    if (injection === undefined || at === undefined) return
    injected.delete(key)
    arrived.delete(key)
    const phase = latencies.get(injection.phase) ?? []
    phase.push(at - injection.at)
    latencies.set(injection.phase, phase)
    const times = arrivals.get(injection.phase) ?? []
    times.push(at)
    arrivals.set(injection.phase, times)
  }
  return {
    sending: (phase: string) => void inFlight.set(phase, (inFlight.get(phase) ?? 0) + 1),
    answered: (phase: string) => void inFlight.set(phase, (inFlight.get(phase) ?? 0) - 1),
    injectedAs: (key: string, at: number, phase: string) => (injected.set(key, { at, phase }), match(key)),
    arrival: (arrival: Arrival) => {
      const serverId = linkPattern.exec(arrival.text)?.[1]
      if (serverId === undefined) return
      const key = `${arrival.chatId}:${serverId}`
      arrived.set(key, arrival.at)
      match(key)
    },
    failed: () => void (failures += 1),
    failures: () => failures,
    latencies: (phase: string) => latencies.get(phase) ?? [],
    arrivals: (phase: string) => arrivals.get(phase) ?? [],
    /** Orders of `phase` being injected, or injected and not yet quoted. */
    waiting: (phase: string) =>
      (inFlight.get(phase) ?? 0) + [...injected.values()].filter((injection) => injection.phase === phase).length
  }
}
type Matcher = ReturnType<typeof matcher>

const portFile = (dataDir: string, phone: PhoneNumber) =>
  Path.join(dataDir, ContainerNames.volumeName(phone), phone, "fake-tdl.port")

/** Kept-alive connections to the workers' side channels (plain `http`: lighter than `fetch` for the injector). */
const agent = new Http.Agent({ keepAlive: true, maxSockets: 16 })

/**
 * POSTs JSON to 127.0.0.1:`port` and resolves with the answer's JSON, or undefined when it failed. A request that
 * failed before any answer is sent once more: a kept-alive connection the server had just closed fails that way.
 */
const postJson = (port: number, path: string, body: unknown, retries = 1): Promise<unknown> =>
  new Promise<unknown>((resolve) => {
    const payload = JSON.stringify(body)
    let answered = false
    const request = Http.request({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
    }, (response) => {
      answered = true
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve(response.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown : undefined))
      response.on("error", () => resolve(undefined))
    })
    request.on("error", () => resolve(!answered && retries > 0 ? postJson(port, path, body, retries - 1) : undefined))
    request.end(payload)
  })

/** A customer writes `text` in the seller's group, through the account's fake TDLib; resolves when it answered. */
const inject = (matched: Matcher, account: Account, text: string, phase: string): Promise<void> => {
  const at = performance.now()
  matched.sending(phase)
  return postJson(account.port, "/messages", { chatId: Seed.sellersGroup.id, text, senderUserId: 700000002 }).then((answer) => {
    matched.answered(phase)
    const messageId = (answer as { readonly messageId?: number } | undefined)?.messageId
    if (messageId === undefined) return matched.failed()
    matched.injectedAs(`${account.chatId}:${messageId / serverIdFactor}`, at, phase)
  })
}

const order = (sequence: number) => Seed.orders[sequence % Seed.orders.length] ?? Seed.orders[0]

/** `rate` orders a second for `seconds`, round robin over the accounts, on a 1 ms timer (fire and forget). */
const injectAtRate = (matched: Matcher, accounts: ReadonlyArray<Account>, rate: number, seconds: number, phase: string) =>
  Effect.promise(() =>
    new Promise<number>((resolve) => {
      const total = Math.round(rate * seconds)
      const started = performance.now()
      let sent = 0
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000))
        for (; sent < due; sent++) void inject(matched, accounts[sent % accounts.length] as Account, order(sent), phase)
        if (sent >= total) {
          clearInterval(timer)
          resolve(total / ((performance.now() - started) / 1000))
        }
      }, 1)
    })
  )

/** `count` orders as fast as the workers take them, `inFlight` injections at a time; the injection rate. */
const injectAllAtOnce = (matched: Matcher, accounts: ReadonlyArray<Account>, count: number, inFlight: number, phase: string) =>
  Effect.promise(async () => {
    const started = performance.now()
    let next = 0
    const lane = async () => {
      while (next < count) {
        const sequence = next++
        await inject(matched, accounts[sequence % accounts.length] as Account, order(sequence), phase)
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
    return { startedAt: started, rate: count / ((performance.now() - started) / 1000) }
  })

/** Waits until every order of `phase` was quoted, or `within` ms passed. */
const drained = (matched: Matcher, phase: string, within: number) =>
  waitUntil(`the ${phase} orders' quotes`, Effect.sync(() => matched.waiting(phase) === 0), within, 50).pipe(
    Effect.catch(() => Effect.void)
  )

/** The pids the process runtime recorded for its workers. */
const workerPids = (dataDir: string): Array<number> =>
  Fs.readdirSync(dataDir)
    .filter((name) => /^vigia-session-\d+\.json$/.test(name))
    .map((name) => (JSON.parse(Fs.readFileSync(Path.join(dataDir, name), "utf8")) as { readonly pid: number }).pid)

/** Workers outlive the control plane by design: the bench stops every one it caused, by its recorded pid. */
const stopWorkers = (dataDir: string) =>
  Effect.promise(async () => {
    const pids = workerPids(dataDir)
    const signal = (pid: number, name: NodeJS.Signals) => {
      if (Fs.existsSync(`/proc/${pid}`)) process.kill(-pid, name)
    }
    pids.forEach((pid) => signal(pid, "SIGTERM"))
    const deadline = performance.now() + 10_000
    while (pids.some((pid) => Fs.existsSync(`/proc/${pid}`)) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    pids.forEach((pid) => signal(pid, "SIGKILL"))
  })

/**
 * The pipeline with the control plane's process started under `env` (the `NODE_OPTIONS` of a profile run may be
 * added); returns latencies, throughput and what it saw.
 */
export const measure = (options: PipelineOptions, extraEnvironment: Readonly<Record<string, string>> = {}) =>
  Effect.scoped(Effect.gen(function*() {
    const tap = yield* BotApiTap
    const prefix = queuePrefix("pipe")
    const databaseUrl = yield* scratchDatabase
    const dataDir = yield* scratchDirectory("pipeline")
    yield* Effect.addFinalizer(() => stopWorkers(dataDir).pipe(Effect.andThen(deleteRedisKeys(prefix))))

    const accounts: Array<Account> = Array.from({ length: options.accounts }, (_, index) => ({
      index,
      phone: Workers.randomPhone(),
      chatId: Seed.telegramUserId(index),
      port: 0
    }))
    yield* Effect.forEach(accounts, (account) =>
      Seed.seller(account.index, account.phone).pipe(Effect.andThen(Seed.preAuthorize(dataDir, account.phone))), {
      concurrency: 8,
      discard: true
    }).pipe(Effect.provide(Seed.dataLayer(databaseUrl)))

    const matched = matcher()
    tap.onSendMessage(matched.arrival)
    yield* Effect.addFinalizer(() => Effect.sync(() => tap.onSendMessage(undefined)))

    const setup: ControlPlane.ControlSetup = {
      apiRoot: tap.apiRoot,
      token: tap.token,
      databaseUrl,
      prefix,
      workerDataDir: dataDir,
      masterKey: Workers.masterKey,
      fakeScript: Seed.fakeScript
    }
    const startedAt = performance.now()
    const control = yield* ControlPlane.start(ControlPlane.environment(setup, {
      MAX_SESSIONS: String(options.accounts + 10),
      MAX_CONCURRENT_STARTS: "8",
      ...extraEnvironment
    }))

    // Every worker started by the control plane (its side channel's port written) ...
    yield* waitUntil("every worker's fake TDLib", Effect.sync(() => accounts.every((account) => Fs.existsSync(portFile(dataDir, account.phone)))), 120_000, 100)
    for (const account of accounts) account.port = Number(Fs.readFileSync(portFile(dataDir, account.phone), "utf8").trim())
    // ... and watching the group: an order from each account has come back as a quote.
    const ready = new Set<number>()
    tap.onSendMessage((arrival) => (matched.arrival(arrival), ready.add(arrival.chatId)))
    yield* waitUntil(
      "a first quote from every account",
      Effect.promise(async () => {
        await Promise.all(accounts.filter((account) => !ready.has(account.chatId)).map((account) => inject(matched, account, order(account.index), "probe")))
        await new Promise((resolve) => setTimeout(resolve, 300))
        return ready.size === accounts.length
      }),
      90_000,
      0
    ).pipe(Effect.mapError((error) => new Error(`${error.message}\n${control.output().slice(-3000)}`)))
    tap.onSendMessage(matched.arrival)
    const allReadyMs = performance.now() - startedAt

    const pids = workerPids(dataDir)
    // An experiment, not the default: the workers' scheduler group made lower priority (`/proc/{pid}/autogroup`).
    const autogroupNice = process.env.BENCH_WORKER_AUTOGROUP_NICE
    if (autogroupNice !== undefined) pids.forEach((pid) => Fs.writeFileSync(`/proc/${pid}/autogroup`, autogroupNice))
    const meter = () =>
      cpuMeter(() => ({
        control: [control.pid],
        workers: pids,
        bench: [process.pid],
        redis: pidsNamed("redis-server"),
        postgres: pidsNamed("postgres")
      }))
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

export const run = (options: PipelineOptions): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const raw = yield* Baselines.bullMqThroughput(options.accounts, 20_000)
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
