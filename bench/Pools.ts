/**
 * Pooled workers (`WORKER_ACCOUNTS_PER_PROCESS`), on real TDLib kept offline, through the process runtime:
 * - `pools`: the idle RSS per account of a pool of 10, 50 and 100 accounts, beside one isolated worker, a bare Node
 *   process and a bare TDLib client process measured in the same run;
 * - `thousand`: many accounts started together in pools: the time until every one reported it started, the RSS
 *   of every pool and of the control plane's session side (this process), and, while they idle, the control
 *   plane's Redis connections and the commands a second it and the workers send; then how many accounts fit in
 *   24 GiB isolated and pooled, from the figures measured.
 */
import { Effect, Option } from "effect"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Fs from "node:fs"
import { redisClient, scratchDirectory } from "./Environment.ts"
import * as Footprint from "./Footprint.ts"
import { compared, type Figure, type Outcome, outcome } from "./Report.ts"
import * as Workers from "./Workers.ts"

const mebibyte = 1024 * 1024
const budgetBytes = 24 * 1024 * mebibyte
const mib = (bytes: number) => bytes / mebibyte

/** A pool with 100 accounts settles longer than one worker: each TDLib opens its database. */
const settle = "15 seconds"

/**
 * How much longer the thousand idles before Redis is watched: past the queue's idle timeout (30 s), when the
 * control plane has closed the consumers that start-up's updates opened, as it runs from then on.
 */
const idleTimeout = "35 seconds"

/** `count` accounts started together; the pids of the workers that host them, and how long the starts took. */
const startAll = (count: number) =>
  Effect.gen(function*() {
    const harness = yield* Workers.Harness
    const phones = Array.from({ length: count }, () => Workers.randomPhone())
    const began = performance.now()
    const started = yield* Effect.forEach(phones, (phone) => harness.start(phone), { concurrency: "unbounded" })
    const seconds = (performance.now() - began) / 1000
    const pids = new Set(started.flatMap((status) => Option.toArray(Option.map(status.worker, (worker) => Number(worker.id)))))
    return { phones, pids: [...pids], seconds }
  })

const stopAll = (phones: ReadonlyArray<PhoneNumber>) =>
  Effect.flatMap(Workers.Harness, (harness) =>
    Effect.forEach(phones, (phone) => harness.stop(phone), { concurrency: 16, discard: true }))

/** The RSS per account of one idle pool of `size` accounts. */
const pooledAccount = (size: number) =>
  Effect.scoped(Effect.gen(function*() {
    const dataRoot = yield* scratchDirectory(`pool${size}`)
    return yield* Effect.gen(function*() {
      const { phones, pids } = yield* startAll(size)
      yield* Effect.sleep(settle)
      const rss = pids.reduce((sum, pid) => sum + Footprint.footprintOf(pid).rssBytes, 0)
      yield* stopAll(phones)
      return { pools: pids.length, rssBytes: rss, perAccountBytes: rss / size }
    }).pipe(Effect.provide(Workers.layer({
      name: `pool${size}`,
      runtime: { _tag: "process", dataRoot },
      driver: "tdlib",
      accountsPerProcess: size
    })))
  }))

export const runFootprint = (sizes: ReadonlyArray<number>): Effect.Effect<Outcome> =>
  Effect.scoped(Effect.gen(function*() {
    const node = yield* Footprint.bareNode
    const tdlClient = yield* Footprint.bareTdlClient
    const dataRoot = yield* scratchDirectory("isolated")
    const isolated = yield* Footprint.idleWorkers({ _tag: "process", dataRoot }, 3).pipe(
      Effect.provide(Workers.layer({ name: "isolated", runtime: { _tag: "process", dataRoot }, driver: "tdlib" }))
    )
    const figures: Array<Figure> = [
      compared(
        { key: "pools.isolatedMiB", figure: "pools: idle isolated worker RSS, real TDLib offline, process (median of 3)", value: mib(isolated.rssBytes), unit: "MiB" },
        { label: "bare TDLib client process", value: mib(tdlClient.rssBytes) }
      ),
      compared(
        { key: "pools.bareNodeMiB", figure: "pools: bare node process RSS", value: mib(node.rssBytes), unit: "MiB" },
        { label: "bare TDLib client process", value: mib(tdlClient.rssBytes) }
      )
    ]
    const pooled: Record<number, unknown> = {}
    for (const size of sizes) {
      const measured = yield* pooledAccount(size)
      pooled[size] = measured
      figures.push(compared(
        {
          key: `pools.perAccount${size}MiB`,
          figure: `pools: idle RSS per account, ${size} accounts in one pool, real TDLib offline (pool RSS ${mib(measured.rssBytes).toFixed(0)} MiB)`,
          value: mib(measured.perAccountBytes),
          unit: "MiB"
        },
        { label: "isolated worker", value: mib(isolated.rssBytes) }
      ))
    }
    const best = Math.min(...sizes.map((size) => (pooled[size] as { perAccountBytes: number }).perAccountBytes))
    figures.push(compared(
      {
        key: "pools.accountsIn24GiB",
        figure: `pools: accounts in 24 GiB at the pooled RSS per account (${Math.max(...sizes)} to a pool)`,
        value: Math.floor(budgetBytes / best),
        unit: "accounts"
      },
      { label: "isolated workers", value: Math.floor(budgetBytes / isolated.rssBytes) }
    ))
    return outcome(figures, [], { node, tdlClient, isolated, pooled })
  })).pipe(Effect.orDie)

// ---------------------------------------------------------------------------------------------------------------
// The thousand

/** The local ports of this process's TCP connections to Redis (port 6379), from `/proc`. */
const ownRedisPorts = (): ReadonlySet<number> => {
  const inodes = new Set<string>()
  for (const fd of Fs.readdirSync("/proc/self/fd")) {
    const link = Option.liftThrowable(() => Fs.readlinkSync(`/proc/self/fd/${fd}`))()
    const inode = Option.flatMap(link, (text) => Option.fromNullishOr(/^socket:\[(\d+)\]$/.exec(text)?.[1]))
    if (Option.isSome(inode)) inodes.add(inode.value)
  }
  const ports = new Set<number>()
  for (const table of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    const lines = Option.getOrElse(Option.liftThrowable(() => Fs.readFileSync(table, "utf8"))(), () => "").split("\n").slice(1)
    for (const line of lines) {
      const fields = line.trim().split(/\s+/)
      const [local, remote, inode] = [fields[1], fields[2], fields[9]]
      if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode)) continue
      if (Number.parseInt(remote.split(":")[1] ?? "", 16) === 6379) ports.add(Number.parseInt(local.split(":")[1] ?? "", 16))
    }
  }
  return ports
}

/** Commands Redis receives in `seconds` (MONITOR), those from this process's connections apart. */
const commandsPerSecond = (seconds: number) =>
  Effect.scoped(Effect.gen(function*() {
    const ports = ownRedisPorts()
    const redis = yield* redisClient("monitor")
    const monitor = yield* Effect.promise(() => redis.monitor())
    let total = 0
    let own = 0
    monitor.on("monitor", (_time: string, _args: ReadonlyArray<string>, source: string) => {
      total += 1
      if (ports.has(Number(source.split(":").pop()))) own += 1
    })
    yield* Effect.sleep(`${seconds} seconds`)
    monitor.disconnect()
    return { total: total / seconds, own: own / seconds, connections: ports.size }
  }))

export const runThousand = (accounts: number, accountsPerProcess: number): Effect.Effect<Outcome> =>
  Effect.scoped(Effect.gen(function*() {
    const dataRoot = yield* scratchDirectory("thousand")
    const controlBefore = process.memoryUsage().rss
    return yield* Effect.gen(function*() {
      const { phones, pids, seconds } = yield* startAll(accounts)
      yield* Effect.log(`thousand: ${accounts} accounts started in ${seconds.toFixed(0)} s in ${pids.length} pools`)
      yield* Effect.sleep(settle)
      const workersBytes = pids.reduce((sum, pid) => sum + Footprint.footprintOf(pid).rssBytes, 0)
      const warm = yield* commandsPerSecond(5)
      yield* Effect.sleep(idleTimeout)
      const controlBytes = process.memoryUsage().rss
      const redis = yield* commandsPerSecond(10)
      yield* stopAll(phones)
      const totalBytes = workersBytes + controlBytes
      const perAccount = totalBytes / accounts
      const figures: Array<Figure> = [
        {
          key: "thousand.startSeconds",
          figure: `thousand: ${accounts} accounts (real TDLib offline, ${accountsPerProcess} to a pool) all reported started after`,
          value: seconds,
          unit: "s"
        },
        {
          key: "thousand.totalGiB",
          figure: `thousand: RSS of ${pids.length} pools and the control plane's session side`,
          value: totalBytes / 2 ** 30,
          unit: "GiB",
          target: { text: "≤ 8 GiB for 1,000", met: accounts >= 1000 && totalBytes <= 8 * 2 ** 30 },
          note: `pools ${mib(workersBytes).toFixed(0)} MiB, control plane ${mib(controlBytes).toFixed(0)} MiB (${mib(controlBefore).toFixed(0)} before)`
        },
        {
          key: "thousand.controlRedisConnections",
          figure: "thousand: the control plane's Redis connections while they idle",
          value: redis.connections,
          unit: "connections",
          note: `${warm.connections} right after start-up, while the consumers its updates opened were still open (${warm.own.toFixed(0)} commands/s)`
        },
        compared(
          { key: "thousand.controlCommandsPerSecond", figure: "thousand: the control plane's Redis commands a second while they idle", value: redis.own, unit: "/s" },
          { label: "all of Redis (workers too)", value: redis.total }
        ),
        {
          key: "thousand.accountsIn24GiB",
          figure: "thousand: accounts in 24 GiB at this run's RSS per account, control plane included",
          value: Math.floor(budgetBytes / perAccount),
          unit: "accounts"
        }
      ]
      return outcome(figures, [], { accounts, accountsPerProcess, pools: pids.length, seconds, workersBytes, controlBytes, warm, redis })
    }).pipe(Effect.provide(Workers.layer({
      name: "thousand",
      runtime: { _tag: "process", dataRoot },
      driver: "tdlib",
      accountsPerProcess,
      maxConcurrentStarts: 32
    })))
  })).pipe(Effect.orDie)
