/**
 * The control plane as the order benchmarks run it: sellers seeded through its data layer (basic plan, the price
 * table, the group active, logged in), the built control plane started as a process (process runtime, fake TDLib
 * workers, the Bot API behind the tap), every worker ready and watching the group (an order from each account has
 * come back as a quote), and a CPU meter over its processes. Every worker it caused is stopped with the scope.
 */
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BotApiTap } from "./BotApiTap.ts"
import * as ControlPlane from "./ControlPlane.ts"
import { cpuMeter, deleteRedisKeys, pidsNamed, queuePrefix, scratchDatabase, scratchDirectory, waitUntil } from "./Environment.ts"
import { type Account, inject, matcher, order, portFile } from "./OrderInjection.ts"
import * as Seed from "./Seed.ts"
import * as Workers from "./Workers.ts"

/** The pids the process runtime recorded for its workers. */
export const workerPids = (dataDir: string): Array<number> =>
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

/** `accounts` sellers ready for orders, the control plane started with `extraEnvironment` added. */
export const start = (name: string, accounts: number, extraEnvironment: Readonly<Record<string, string>> = {}) =>
  Effect.gen(function*() {
    const tap = yield* BotApiTap
    const prefix = queuePrefix(name)
    const databaseUrl = yield* scratchDatabase
    const dataDir = yield* scratchDirectory(name)
    yield* Effect.addFinalizer(() => stopWorkers(dataDir).pipe(Effect.andThen(deleteRedisKeys(prefix))))

    const sellers: Array<Account> = Array.from({ length: accounts }, (_, index) => ({
      index,
      phone: Workers.randomPhone(),
      chatId: Seed.telegramUserId(index),
      port: 0
    }))
    yield* Effect.forEach(sellers, (account) =>
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
      MAX_SESSIONS: String(accounts + 10),
      MAX_CONCURRENT_STARTS: "8",
      ...extraEnvironment
    }))

    // Every worker started by the control plane (its side channel's port written) ...
    yield* waitUntil("every worker's fake TDLib", Effect.sync(() => sellers.every((account) => Fs.existsSync(portFile(dataDir, account.phone)))), 120_000, 100)
    for (const account of sellers) account.port = Number(Fs.readFileSync(portFile(dataDir, account.phone), "utf8").trim())
    // ... and watching the group: an order from each account has come back as a quote.
    const ready = new Set<number>()
    tap.onSendMessage((arrival) => (matched.arrival(arrival), ready.add(arrival.chatId)))
    yield* waitUntil(
      "a first quote from every account",
      Effect.promise(async () => {
        await Promise.all(sellers.filter((account) => !ready.has(account.chatId)).map((account) => inject(matched, account, order(account.index), "probe")))
        await new Promise((resolve) => setTimeout(resolve, 1500))
        return ready.size === sellers.length
      }),
      120_000,
      0
    ).pipe(Effect.mapError((error) => new Error(`${error.message}\n${control.output().slice(-3000)}`)))
    tap.onSendMessage(matched.arrival)
    const allReadyMs = performance.now() - startedAt

    const pids = workerPids(dataDir)
    // An experiment, not the default: the workers' scheduler group made lower priority (`/proc/{pid}/autogroup`).
    const autogroupNice = process.env.BENCH_WORKER_AUTOGROUP_NICE
    if (autogroupNice !== undefined) pids.forEach((pid) => Fs.writeFileSync(`/proc/${pid}/autogroup`, autogroupNice))
    /** CPU used from now until the returned function is called, by the control plane, its workers, Redis, PostgreSQL. */
    const meter = () =>
      cpuMeter(() => ({
        control: [control.pid],
        workers: pids,
        bench: [process.pid],
        redis: pidsNamed("redis-server"),
        postgres: pidsNamed("postgres")
      }))
    return { tap, accounts: sellers, matched, control, allReadyMs, meter }
  })
