/**
 * The `process` runtime: each account's worker is the built session worker run as a detached child process,
 * with its own data folder (0700; as root, its own user too), its output folded into our logs from a capped file,
 * and a record on disk that lets a restarted control plane find it again. A control plane that stops leaves its
 * workers running.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { type Duration, Effect, Layer, Option, Schedule } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntime, ContainerRuntimeError, dataOwner, environmentOf, specDigest, type Worker, type WorkerSpec } from "./ContainerRuntime.ts"
import * as ProcessOutput from "./ProcessOutput.ts"
import * as ProcessRecords from "./ProcessRecords.ts"
import { isAlive, procStat, type ProcessRecord, refused } from "./ProcessRecords.ts"
import * as ProcessUsers from "./ProcessUsers.ts"

export interface ProcessRuntimeOptions {
  /** The worker's entry point: the bundled `packages/session-worker/dist/bundle/main.js` by default. */
  readonly entry: string
  /** Holds each account's data folder (its `DATA_DIR`), the records of running workers and their output. */
  readonly dataRoot: string
  readonly deployment: string
  /** Between SIGTERM and SIGKILL when a worker is stopped. */
  readonly stopGracePeriod: Duration.Duration
  /** When the control plane runs as root, each account's worker runs as a uid of its own from this range. */
  readonly uids?: ProcessUsers.UidRange | undefined
  /** A worker's log file is rotated (one previous file kept) once it is larger than this. */
  readonly logMaxBytes?: number | undefined
}

/** Workers' uids (as root) from 2,000,000,000: far above people's (1000…) and containers' subordinate ranges. */
export const defaultUids: ProcessUsers.UidRange = { first: 2_000_000_000, count: ProcessUsers.uidRangeSize }
export const defaultLogMaxBytes = 10 * 1024 * 1024

/** The built worker, found from this module whether it runs from `src` or `dist`. */
export const defaultEntry = Url.fileURLToPath(new URL("../../../../session-worker/dist/bundle/main.js", import.meta.url))

/** The nice value of a worker's scheduler group: the control plane every seller depends on comes first. */
export const workerAutogroupNice = 10

const yieldToTheControlPlane = (pid: number) =>
  Effect.sync(() => Option.liftThrowable(() => Fs.writeFileSync(`/proc/${pid}/autogroup`, String(workerAutogroupNice)))())

/**
 * A worker's log, emptied, readable by the control plane alone. Appending: when the file is rotated (copied, then
 * truncated), the worker's next line lands at its new end, not at the old offset.
 */
const openLog = (path: string) => {
  const fd = Fs.openSync(path, Fs.constants.O_WRONLY | Fs.constants.O_CREAT | Fs.constants.O_TRUNC | Fs.constants.O_APPEND, 0o600)
  Fs.fchmodSync(fd, 0o600)
  return fd
}

/** Signals the worker's process group (it leads one, being detached); a group already gone is fine. */
const signalGroup = (pid: number, signal: NodeJS.Signals) =>
  Effect.sync(() => Option.liftThrowable(() => process.kill(-pid, signal))())

/** Starts the worker detached (as `user`, if any), its output to `logFd`, and resolves once it runs. */
const spawnWorker = (
  options: ProcessRuntimeOptions,
  spec: WorkerSpec,
  launch: { readonly dataDir: string; readonly logFd: number; readonly user: Option.Option<ProcessUsers.AccountUser> }
) =>
  Effect.callback<ChildProcess.ChildProcess, ContainerRuntimeError>((resume) => {
    const { dataDir, logFd } = launch
    const child = ChildProcess.spawn(process.execPath, [options.entry], {
      cwd: dataDir,
      detached: true,
      stdio: ["ignore", logFd, logFd],
      ...Option.getOrElse(launch.user, () => ({})),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        ...environmentOf(spec),
        DATA_DIR: dataDir,
        CONTAINER_ID: ContainerNames.anonymousId("process")
      }
    })
    child.once("spawn", () => resume(Effect.succeed(child)))
    child.once("error", (error) => resume(Effect.fail(refused(`cannot start the worker: ${error.message}`))))
  })

export const make = Effect.fnUntraced(function*(options: ProcessRuntimeOptions) {
  const dataRoot = Path.resolve(options.dataRoot)
  yield* Effect.try({
    try: () => Fs.mkdirSync(dataRoot, { recursive: true }),
    catch: (cause) => refused(`cannot create ${dataRoot}: ${String(cause)}`)
  })
  const records = ProcessRecords.make(dataRoot, options.deployment)
  const output = ProcessOutput.make(records.logPath, options.logMaxBytes ?? defaultLogMaxBytes)
  // As root, each account gets a user of its own; otherwise workers share ours, their folders still 0700.
  const users = process.getuid?.() === 0
    ? Option.some(
      yield* ProcessUsers.make({ dataRoot, entry: options.entry, uids: options.uids ?? defaultUids, dataPath: records.dataPath })
    )
    : Option.none()
  /** How children we spawned ended (code or signal), for `status`; adopted ones end unseen. */
  const exits = new Map<PhoneNumber, { readonly pid: number; readonly how: string }>()

  const workerOf = (phone: PhoneNumber, record: ProcessRecord): Worker => {
    const alive = isAlive(record)
    const exit = exits.get(phone)
    return {
      phone,
      id: String(record.pid),
      state: alive ? "running" : "exited",
      detail: alive
        ? Option.none()
        : Option.some(exit !== undefined && exit.pid === record.pid ? exit.how : "the process is gone"),
      configHash: record.configHash
    }
  }

  const configHash = (spec: WorkerSpec) =>
    Effect.succeed(specDigest(spec, { runtime: "process", entry: options.entry, node: process.execPath }))

  /** SIGTERM to the group, SIGKILL after the grace period, then waits for the process to be gone. */
  const terminate = Effect.fnUntraced(function*(phone: PhoneNumber, record: ProcessRecord) {
    if (!isAlive(record)) return
    yield* signalGroup(record.pid, "SIGTERM")
    const gone = Effect.sync(() => isAlive(record)).pipe(
      Effect.repeat({ while: (alive) => alive, schedule: Schedule.spaced("100 millis") })
    )
    const exitedInTime = yield* gone.pipe(Effect.timeoutOption(options.stopGracePeriod), Effect.map(Option.isSome))
    if (exitedInTime) return
    yield* Effect.logWarning("worker did not stop in its grace period: killing it").pipe(
      Effect.annotateLogs({ phone: mask(phone), pid: record.pid })
    )
    yield* signalGroup(record.pid, "SIGKILL")
    const killed = yield* gone.pipe(Effect.timeoutOption("5 seconds"), Effect.map(Option.isSome))
    if (!killed) return yield* refused(`process ${record.pid} survived SIGKILL`)
  })

  const spawn = Effect.fnUntraced(function*(spec: WorkerSpec, hash: string) {
    const phone = spec.phone
    if (!Fs.existsSync(options.entry)) {
      return yield* new ContainerRuntimeError({
        reason: "NotFound",
        runtime: "process",
        message: `the session worker is not built: ${options.entry} is missing (run npx tsc -b)`
      })
    }
    const dataDir = records.dataPath(dataOwner(spec))
    const user = yield* Effect.transposeOption(Option.map(users, (accounts) => accounts.userFor(dataOwner(spec))))
    const logFd = yield* Effect.try({
      try: () => {
        Fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
        return openLog(records.logPath(phone))
      },
      catch: (cause) => refused(`cannot prepare ${dataDir}: ${String(cause)}`)
    })
    const child = yield* spawnWorker(options, spec, { dataDir, logFd, user }).pipe(
      Effect.ensuring(Effect.sync(() => Fs.closeSync(logFd)))
    )
    const pid = child.pid ?? 0
    yield* yieldToTheControlPlane(pid)
    child.once("exit", (code, signal) => {
      exits.set(phone, { pid, how: signal === null ? `exited with code ${code}` : `killed by ${signal}` })
    })
    child.unref()
    output.started(phone)
    const stat = procStat(pid)
    if (Option.isNone(stat)) return yield* refused("the worker exited as soon as it started")
    const record: ProcessRecord = { pid, startTicks: stat.value.startTicks, configHash: hash, deployment: options.deployment }
    yield* records.write(phone, record)
    yield* Effect.logInfo("worker process started").pipe(Effect.annotateLogs({ phone: mask(phone), pid }))
    return workerOf(phone, record)
  })

  const create = Effect.fn("ProcessRuntime.create")(function*(spec: WorkerSpec) {
    const hash = yield* configHash(spec)
    const existing = yield* records.read(spec.phone)
    if (Option.isSome(existing)) {
      if (existing.value.configHash === hash && isAlive(existing.value)) return workerOf(spec.phone, existing.value)
      yield* terminate(spec.phone, existing.value)
      yield* records.remove(spec.phone)
    }
    return yield* spawn(spec, hash)
  })

  const stop = Effect.fn("ProcessRuntime.stop")(function*(phone: PhoneNumber) {
    const existing = yield* records.read(phone)
    if (Option.isNone(existing)) return
    yield* terminate(phone, existing.value)
    yield* records.remove(phone)
    yield* Effect.logInfo("worker process stopped").pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  const status = (phone: PhoneNumber) => Effect.map(records.read(phone), Option.map((record) => workerOf(phone, record)))

  /** The account's folder and its log files; its uid (as root) is only a number, free for the next account. */
  const removeData = Effect.fn("ProcessRuntime.removeData")(function*(phone: PhoneNumber) {
    const paths = [records.dataPath(phone), records.logPath(phone), `${records.logPath(phone)}.1`]
    yield* Effect.try({
      try: () => paths.forEach((path) => Fs.rmSync(path, { recursive: true, force: true })),
      catch: (cause) => refused(`cannot remove the account's data: ${String(cause)}`)
    })
    yield* Effect.logInfo("worker data removed").pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  const list = Effect.flatMap(records.phones, (phones) =>
    Effect.forEach(phones, (phone) => Effect.map(status(phone), Option.toArray)).pipe(Effect.map((all) => all.flat())))

  yield* records.phones.pipe(Effect.flatMap(output.fold), Effect.repeat(Schedule.spaced("500 millis")), Effect.forkScoped)

  return ContainerRuntime.of({ kind: "process", configHash, create, stop, status, list, removeData })
})

export const layer = (options: ProcessRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
