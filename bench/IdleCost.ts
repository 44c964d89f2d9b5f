/**
 * Item 3 and the control plane's start-up (item 5): the built control plane with 0, 100 and 1,000 registered idle
 * accounts whose updates queues it consumes. No worker runs: each account's worker is "adopted" from a process-
 * runtime record that points at one sleeping process, as after a restart of the control plane with idle workers.
 * Measured over a quiet window: the control's RSS, its Redis connections and the Redis commands they send (from
 * Redis' MONITOR, by connection). Then the same with a heartbeat per account every 5 s, as live idle workers write.
 */
import * as SessionsConfig from "@vigia/control/config/SessionsConfig"
import { WorkerEnvironment } from "@vigia/control/sessions/manager/WorkerEnvironment"
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import * as ProcessRuntime from "@vigia/control/sessions/runtimes/ProcessRuntime"
import { SessionKeys } from "@vigia/control/sessions/SessionKeys"
import { WorkerRedisUsers } from "@vigia/control/sessions/WorkerRedisUsers"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { ConfigProvider, Duration, Effect, Layer, Redacted } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BotApiTap } from "./BotApiTap.ts"
import * as ControlPlane from "./ControlPlane.ts"
import {
  deleteRedisKeys,
  queuePrefix,
  redisClient,
  redisConnectionPorts,
  redisUrl,
  residentBytes,
  scratchDatabase,
  scratchDirectory
} from "./Environment.ts"
import { compared, type Figure, type Outcome, outcome } from "./Report.ts"
import * as Runtimes from "./Runtimes.ts"
import * as Seed from "./Seed.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

export interface IdleOptions {
  readonly sizes: ReadonlyArray<number>
  /** Seconds of each measuring window. */
  readonly windowSeconds: number
  /** Control-plane starts timed with no account (their median is the start-up figure). */
  readonly starts: number
}

/** A worker entry that does not exist: should an adopted "worker" ever be restarted, nothing would be spawned. */
const noWorkerEntry = "/nonexistent/vigia-bench-idle-accounts-have-no-worker.js"
const heartbeatSeconds = 5
/** How often the control looks for work whose wake signal was lost; 60 s by default, shortened to show in a window. */
const sweepSeconds = 5

interface Window {
  readonly connections: number
  readonly commandsPerSecond: number
  readonly rssMiB: number
  /** Commands seen, by name (the busiest few). */
  readonly commands: Readonly<Record<string, number>>
}

/** The control's Redis traffic over `seconds`, from MONITOR, counted for the connections it holds. */
const measureWindow = (pid: number, seconds: number) =>
  Effect.scoped(Effect.gen(function*() {
    const redis = yield* redisClient("monitor")
    const ports = new Set(redisConnectionPorts(pid))
    const counts = new Map<string, number>()
    let total = 0
    const monitor = yield* Effect.acquireRelease(
      Effect.promise(() => redis.monitor()),
      (monitor) => Effect.sync(() => monitor.disconnect())
    )
    monitor.on("monitor", (_time: string, args: ReadonlyArray<string>, source: string) => {
      const port = Number(source.split(":").pop())
      if (!ports.has(port)) return
      total += 1
      const name = String(args[0] ?? "").toLowerCase()
      counts.set(name, (counts.get(name) ?? 0) + 1)
    })
    yield* Effect.sleep(Duration.seconds(seconds))
    const held = redisConnectionPorts(pid)
    held.forEach((port) => ports.add(port))
    return {
      connections: held.size,
      commandsPerSecond: total / seconds,
      rssMiB: residentBytes(pid) / (1024 * 1024),
      commands: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, 6))
    } satisfies Window
  }))

/** One process that sleeps for the whole run; every adopted "worker" record points at it. */
const sleeper = Effect.acquireRelease(
  Effect.sync(() => ChildProcess.spawn("sleep", ["3600"], { detached: true, stdio: "ignore" })),
  (child) => Effect.sync(() => child.kill("SIGKILL"))
)

/** Field 22 of `/proc/{pid}/stat`, as the process runtime records it. */
const startTicks = (pid: number) => {
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? ""
}

/**
 * The process runtime's records of running workers for `phones`, written as the runtime writes them, with the
 * configuration digest the control plane computes from `env` (so it adopts them instead of replacing them).
 */
const adoptionRecords = (env: Readonly<Record<string, string>>, dataRoot: string, pid: number, phones: ReadonlyArray<PhoneNumber>) =>
  Effect.scoped(Effect.gen(function*() {
    const runtime = yield* ProcessRuntime.make({
      entry: noWorkerEntry,
      dataRoot,
      deployment: env.WORKER_DEPLOYMENT ?? "default",
      stopGracePeriod: Duration.seconds(1)
    })
    const { specFor } = yield* WorkerEnvironment
    const ticks = startTicks(pid)
    yield* Effect.forEach(phones, (phone) =>
      Effect.gen(function*() {
        const configHash = yield* runtime.configHash(yield* specFor(phone))
        const record = { pid, startTicks: ticks, configHash, deployment: env.WORKER_DEPLOYMENT ?? "default" }
        Fs.writeFileSync(Path.join(dataRoot, `${ContainerNames.workerName(phone)}.json`), JSON.stringify(record))
      }), { discard: true })
  })).pipe(
    Effect.provide(WorkerEnvironment.layerConfig(SessionsConfig.worker).pipe(
      Layer.provide(WorkerRedisUsers.layerConfig(SessionsConfig.workerRedis)),
      Layer.provide(Layer.mergeAll(
        ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)),
        SessionKeys.layer({ master: Workers.masterKey })
      ))
    ))
  )

/** A heartbeat from every account every 5 s, spread evenly, as their idle workers write it; until the scope ends. */
const heartbeats = (phones: ReadonlyArray<PhoneNumber>) =>
  Effect.gen(function*() {
    const queue = yield* Queue
    // As the session worker beats: a ttl of three intervals.
    const beat = (phone: PhoneNumber) =>
      queue.beat(phone, "Ready", Duration.seconds(3 * heartbeatSeconds)).pipe(Effect.ignore)
    const spacing = Duration.millis((heartbeatSeconds * 1000) / Math.max(1, phones.length))
    yield* Effect.forEach(phones, (phone) => beat(phone).pipe(Effect.andThen(Effect.sleep(spacing))), { discard: true }).pipe(
      Effect.forever,
      Effect.forkScoped
    )
  })

interface SizeResult {
  readonly accounts: number
  readonly readyAfterMs: number
  readonly quiet: Window
  readonly beating: Window | undefined
}

export const measure = (options: IdleOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const tap = yield* BotApiTap
    const prefix = queuePrefix("idle")
    const databaseUrl = yield* scratchDatabase
    const dataRoot = yield* scratchDirectory("idle")
    const sleeping = yield* sleeper
    yield* Effect.addFinalizer(() => deleteRedisKeys(prefix))
    const env = ControlPlane.environment({
      apiRoot: tap.apiRoot,
      token: tap.token,
      databaseUrl,
      prefix,
      workerDataDir: dataRoot,
      masterKey: Workers.masterKey,
      fakeScript: Seed.fakeScript
    }, {
      WORKER_ENTRY: noWorkerEntry,
      WORKER_SILENCE_THRESHOLD: "1 hour",
      MAX_SESSIONS: "5000",
      QUEUE_SWEEP_INTERVAL: `${sweepSeconds} seconds`
    })
    const heartbeatQueue = Queue.layerBullMq({ redisUrl: Redacted.make(redisUrl), prefix })

    // Start-up with no account: the database migrated by the first start, then timed.
    const startTimes: Array<number> = []
    for (let start = 0; start < options.starts + 1; start++) {
      const control = yield* Effect.scoped(ControlPlane.start(env))
      if (start > 0) startTimes.push(control.readyAfterMs)
    }

    const phones: Array<PhoneNumber> = []
    const results: Array<SizeResult> = []
    for (const size of options.sizes) {
      const added = Array.from({ length: size - phones.length }, () => Workers.randomPhone())
      yield* Effect.forEach(added, (phone, index) => Seed.account(phones.length + index, phone), { concurrency: 8, discard: true })
        .pipe(Effect.provide(Seed.dataLayer(databaseUrl)))
      yield* adoptionRecords(env, dataRoot, sleeping.pid ?? 0, added)
      phones.push(...added)
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const control = yield* ControlPlane.start(env)
        yield* Effect.sleep("2 seconds")
        const quiet = yield* measureWindow(control.pid, options.windowSeconds)
        if (size === 0) return { accounts: size, readyAfterMs: control.readyAfterMs, quiet, beating: undefined }
        yield* heartbeats(phones)
        yield* Effect.sleep(Duration.seconds(heartbeatSeconds + 1))
        const beating = yield* measureWindow(control.pid, options.windowSeconds)
        return { accounts: size, readyAfterMs: control.readyAfterMs, quiet, beating }
      }).pipe(Effect.provide(heartbeatQueue)))
      results.push(result)
    }
    return { startTimes, results }
  })).pipe(Effect.provide(Layer.fresh(BotApiTap.layer)))

const flat = (value: number, baseline: number, slack: number) => value <= baseline + slack

export const run = (options: IdleOptions): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const measured = yield* measure(options)
    const base = measured.results.find((result) => result.accounts === 0)?.quiet
    const figures: Array<Figure> = []
    const nodeStart = Stats.median(yield* Effect.orDie(Runtimes.bareNodeStart(options.starts)))
    figures.push(compared(
      {
        key: "startup.control.medianMs",
        figure: `start-up: control plane spawn → /readyz 200, no accounts (median of ${measured.startTimes.length})`,
        value: Stats.median(measured.startTimes),
        unit: "ms"
      },
      { label: "bare node -e 0", value: nodeStart }
    ))
    for (const result of measured.results) {
      if (base === undefined) break
      const label = `${result.accounts} accounts`
      const baseline = (value: number) => ({ label: "0 accounts", value })
      figures.push(
        compared(
          { key: `idle.${result.accounts}.rssMiB`, figure: `idle: control RSS, ${label}`, value: result.quiet.rssMiB, unit: "MiB" },
          baseline(base.rssMiB)
        ),
        compared(
          {
            key: `idle.${result.accounts}.redisConnections`,
            figure: `idle: Redis connections of the control, ${label}`,
            value: result.quiet.connections,
            unit: "",
            target: { text: "flat (≤ 0 accounts + 1)", met: flat(result.quiet.connections, base.connections, 1) }
          },
          baseline(base.connections)
        ),
        compared(
          {
            key: `idle.${result.accounts}.commandsPerSecond`,
            figure: `idle: Redis commands/s of the control, ${label} (sweep every ${sweepSeconds} s)`,
            value: result.quiet.commandsPerSecond,
            unit: "cmd/s",
            target: { text: "flat (≤ 0 accounts + 1/s)", met: flat(result.quiet.commandsPerSecond, base.commandsPerSecond, 1) }
          },
          baseline(base.commandsPerSecond)
        )
      )
      if (result.beating !== undefined) {
        figures.push(
          compared(
            {
              key: `idle.${result.accounts}.heartbeats.redisConnections`,
              figure: `idle + heartbeat every ${heartbeatSeconds} s: Redis connections, ${label}`,
              value: result.beating.connections,
              unit: "",
              target: { text: "flat (≤ 0 accounts + 1)", met: flat(result.beating.connections, base.connections, 1) }
            },
            baseline(base.connections)
          ),
          compared(
            {
              key: `idle.${result.accounts}.heartbeats.commandsPerSecond`,
              figure: `idle + heartbeat every ${heartbeatSeconds} s: Redis commands/s, ${label}`,
              value: result.beating.commandsPerSecond,
              unit: "cmd/s",
              note: `RSS ${result.beating.rssMiB.toFixed(0)} MiB`
            },
            baseline(base.commandsPerSecond)
          )
        )
      }
    }
    return outcome(figures, [], { idle: measured.results, controlStartsMs: measured.startTimes })
  }).pipe(Effect.orDie)

