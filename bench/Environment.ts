/**
 * What every benchmark shares: the machine's Redis and PostgreSQL on loopback, this run's own queue prefix,
 * scratch folders and databases that are removed again, and readings of a process's memory and Redis sockets.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted, Schedule } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { Redis } from "ioredis"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"

export const repositoryRoot = Url.fileURLToPath(new URL("..", import.meta.url))
export const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379"
export const databaseServerUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const redisPort = Number(new URL(redisUrl).port || 6379)

/** This run's queue prefix: every Redis key the bench makes starts with it, and is deleted at the end. */
export const runId = Crypto.randomBytes(4).toString("hex")
export const queuePrefix = (name: string) => `bench${runId}${name}`

/** A folder under the system's temporary folder, removed with the scope. */
export const scratchDirectory = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), `vigia-bench-${name}-`))),
    (path) => Effect.sync(() => Fs.rmSync(path, { recursive: true, force: true }))
  )

/** A fresh PostgreSQL database on the machine's server, dropped with the scope. */
export const scratchDatabase = Effect.gen(function*() {
  const name = `vigia_bench_${runId}_${Crypto.randomBytes(3).toString("hex")}`
  // One connection, not a pool: a pool cannot open a connection for the DROP while its own scope closes.
  const admin = yield* PgClient.makeClient({ url: Redacted.make(databaseServerUrl) }).pipe(Effect.provide(Reactivity.layer))
  yield* Effect.acquireRelease(
    admin`CREATE DATABASE ${admin(name)}`,
    () => admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`.pipe(Effect.orDie)
  )
  const url = new URL(databaseServerUrl)
  url.pathname = `/${name}`
  return Redacted.make(url.toString())
}).pipe(Effect.orDie)

/** A Redis connection for the bench's own measurements, closed with the scope. */
export const redisClient = (name: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const redis = new Redis(redisUrl, { lazyConnect: true, connectionName: `bench-${runId}-${name}` })
      await redis.connect()
      return redis
    }),
    (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
  )

/** Deletes every key under `prefix` (BullMQ's queues, streams, failed jobs, markers). */
export const deleteRedisKeys = (prefix: string) =>
  Effect.scoped(Effect.gen(function*() {
    const redis = yield* redisClient("cleanup")
    yield* Effect.promise(async () => {
      let cursor = "0"
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== "0")
    })
  }))

const readText = (path: string): string | undefined => {
  const exists = Fs.existsSync(path)
  return exists ? Fs.readFileSync(path, "utf8") : undefined
}

/** Resident memory of a process in bytes (`VmRSS`); NaN when it is gone. */
export const residentBytes = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readText(`/proc/${pid}/status`) ?? "")
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

/** The local ports of the process's TCP connections to Redis (from its descriptors and the kernel's socket table). */
export const redisConnectionPorts = (pid: number): ReadonlySet<number> => {
  const inodes = new Set<string>()
  const descriptors = Fs.existsSync(`/proc/${pid}/fd`) ? Fs.readdirSync(`/proc/${pid}/fd`) : []
  for (const descriptor of descriptors) {
    const target = Fs.existsSync(`/proc/${pid}/fd/${descriptor}`) ? Fs.readlinkSync(`/proc/${pid}/fd/${descriptor}`) : ""
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
    if (inode !== undefined) inodes.add(inode)
  }
  const ports = new Set<number>()
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of (readText(table) ?? "").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]]
      if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode)) continue
      // 01: established.
      if (state !== "01" || parseInt(remote.split(":")[1] ?? "", 16) !== redisPort) continue
      ports.add(parseInt(local.split(":")[1] ?? "", 16))
    }
  }
  return ports
}

const clockTicksPerSecond = 100

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export const cpuSeconds = (pid: number): number => {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return 0
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond
}

/** The pids of every process whose command name is `name` (`redis-server`, `postgres`). */
export const pidsNamed = (name: string): Array<number> =>
  Fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) =>
    readText(`/proc/${pid}/comm`)?.trim() === name
  )

/** CPU seconds the machine spent running anything (all cores), and stolen by its hypervisor, from `/proc/stat`. */
const machineSeconds = (): { readonly busy: number; readonly steal: number } => {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] =
    (readText("/proc/stat") ?? "").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
  return { busy: (user + nice + system + irq + softirq) / clockTicksPerSecond, steal: steal / clockTicksPerSecond }
}

/** Every process's command name and CPU seconds so far. */
const allProcesses = (): Map<number, { readonly name: string; readonly seconds: number }> => {
  const processes = new Map<number, { readonly name: string; readonly seconds: number }>()
  for (const entry of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    processes.set(pid, { name: readText(`/proc/${pid}/comm`)?.trim() ?? "?", seconds: cpuSeconds(pid) })
  }
  return processes
}

/**
 * Where the machine's CPU went between two readings: each group's CPU seconds (its processes' user + system time),
 * the busiest other processes by name, what the kernel spent beyond any process (interrupts), and the time the
 * hypervisor stole. A process that came and went between the readings is not seen.
 */
export const cpuMeter = (groups: () => Readonly<Record<string, ReadonlyArray<number>>>) => {
  const read = () => ({ processes: allProcesses(), machine: machineSeconds(), at: performance.now() })
  const start = read()
  return () => {
    const end = read()
    const usedBy = (pid: number) => (end.processes.get(pid)?.seconds ?? 0) - (start.processes.get(pid)?.seconds ?? 0)
    const grouped = new Set<number>()
    const used: Record<string, number> = {}
    for (const [name, pids] of Object.entries(groups())) {
      used[name] = pids.reduce((sum, pid) => sum + usedBy(pid), 0)
      pids.forEach((pid) => grouped.add(pid))
    }
    const others = new Map<string, number>()
    for (const [pid, process] of end.processes) {
      if (!grouped.has(pid)) others.set(process.name, (others.get(process.name) ?? 0) + usedBy(pid))
    }
    const accounted = [...Object.values(used), ...others.values()].reduce((sum, seconds) => sum + seconds, 0)
    const round = (seconds: number) => Math.round(seconds * 100) / 100
    return {
      seconds: round((end.at - start.at) / 1000),
      used: Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, round(seconds)])),
      others: Object.fromEntries([...others].filter(([, seconds]) => seconds >= 0.05).sort((a, b) => b[1] - a[1]).slice(0, 6)
        .map(([name, seconds]) => [name, round(seconds)])),
      kernel: round(end.machine.busy - start.machine.busy - accounted),
      stolen: round(end.machine.steal - start.machine.steal)
    }
  }
}

/** Polls `check` every `every` until it holds, or fails after `within` with `what` in the message. */
export const waitUntil = <E, R>(
  what: string,
  check: Effect.Effect<boolean, E, R>,
  within: number,
  every = 20
) =>
  check.pipe(
    Effect.repeat({ until: (done) => done, schedule: Schedule.spaced(`${every} millis`) }),
    Effect.timeoutOrElse({
      duration: `${within} millis`,
      orElse: () => Effect.fail(new Error(`timed out after ${within} ms waiting for ${what}`))
    }),
    Effect.asVoid
  )
