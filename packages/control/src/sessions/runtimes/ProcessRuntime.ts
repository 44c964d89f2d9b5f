/**
 * The `process` runtime: each account's worker is the built session worker run as a detached child process,
 * with its own data folder, its output folded into our logs, and a record (pid, start time) kept on disk so that
 * a restarted control plane finds its workers again. A control plane that stops leaves its workers running.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer, type LogLevel, Option, Schedule, Schema } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import * as ContainerNames from "./ContainerNames.ts"
import {
  ContainerRuntime,
  ContainerRuntimeError,
  environmentOf,
  specDigest,
  type Worker,
  type WorkerSpec
} from "./ContainerRuntime.ts"

export interface ProcessRuntimeOptions {
  /** The worker's entry point: `packages/session-worker/dist/main.js` by default. */
  readonly entry: string
  /** Holds each account's data folder (its `DATA_DIR`), the records of running workers and their output. */
  readonly dataRoot: string
  readonly deployment: string
  /** Between SIGTERM and SIGKILL when a worker is stopped. */
  readonly stopGracePeriod: Duration.Duration
}

/** The built worker, found from this module whether it runs from `src` or `dist`. */
/**
 * A detached worker is a session of its own, and Linux gives each session its own scheduler group with the
 * same weight as the control plane's: fifty busy workers would get fifty shares to the control plane's one.
 * Lowering the worker group's priority keeps the process every seller depends on responsive (measured by
 * `npm run bench`: 229 → 343 orders/s end to end). Where `/proc/{pid}/autogroup` is absent this does nothing.
 */
export const workerAutogroupNice = 10

const yieldToTheControlPlane = (pid: number) =>
  Effect.sync(() => Option.liftThrowable(() => Fs.writeFileSync(`/proc/${pid}/autogroup`, String(workerAutogroupNice)))())

export const defaultEntry = Url.fileURLToPath(new URL("../../../../session-worker/dist/main.js", import.meta.url))

/** What is kept on disk about a running worker: enough to recognise its process after our own restart. */
const ProcessRecord = Schema.Struct({
  pid: Schema.Int,
  /** Field 22 of `/proc/{pid}/stat`: with the pid, identifies the process even after pids wrap around. */
  startTicks: Schema.String,
  configHash: Schema.String,
  deployment: Schema.String
})
type ProcessRecord = typeof ProcessRecord.Type

const decodeRecord = Schema.decodeUnknownOption(Schema.fromJsonString(ProcessRecord))

const recordPattern = /^(vigia-session-[1-9][0-9]{7,14})\.json$/

const refused = (message: string) => new ContainerRuntimeError({ reason: "Refused", runtime: "process", message })

/** The state letter and start time of a live process, from `/proc`; none when there is no such process. */
const procStat = (pid: number): Option.Option<{ readonly state: string; readonly startTicks: string }> => {
  const stat = Option.liftThrowable(() => Fs.readFileSync(`/proc/${pid}/stat`, "utf8"))()
  return Option.flatMap(stat, (text) => {
    // The command name (field 2) is in parentheses and may hold spaces: the fields after it are split apart.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    const state = fields[0]
    const startTicks = fields[19]
    return state === undefined || startTicks === undefined ? Option.none() : Option.some({ state, startTicks })
  })
}

/** The recorded process still runs: same pid, same start time, not a zombie. */
const isAlive = (record: ProcessRecord): boolean =>
  Option.match(procStat(record.pid), {
    onNone: () => false,
    onSome: ({ startTicks, state }) => startTicks === record.startTicks && state !== "Z" && state !== "X"
  })

/** Signals the worker's process group (it leads one, being detached); a group already gone is fine. */
const signalGroup = (pid: number, signal: NodeJS.Signals) =>
  Effect.sync(() => Option.liftThrowable(() => process.kill(-pid, signal))())

/** A line of the worker's JSON log (`LOG_FORMAT=json`, Effect's `consoleJson`). */
const WorkerLogLine = Schema.Struct({
  message: Schema.Union([Schema.String, Schema.Array(Schema.Unknown)]),
  level: Schema.String,
  annotations: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})
const decodeLogLine = Schema.decodeUnknownOption(Schema.fromJsonString(WorkerLogLine))

const severities: Record<string, LogLevel.Severity> = {
  FATAL: "Fatal",
  ERROR: "Error",
  WARN: "Warn",
  INFO: "Info",
  DEBUG: "Debug",
  TRACE: "Trace"
}

/** Logs a line of the worker's output as ours, at its own level with its annotations; other output as is. */
const relayLine = (line: string) =>
  Option.match(decodeLogLine(line), {
    onNone: () => Effect.logInfo(line),
    onSome: (entry) =>
      Effect.logWithLevel(severities[entry.level] ?? "Info")(
        ...(typeof entry.message === "string" ? [entry.message] : entry.message)
      ).pipe(Effect.annotateLogs(entry.annotations ?? {}))
  })

export const make = Effect.fnUntraced(function*(options: ProcessRuntimeOptions) {
  const dataRoot = Path.resolve(options.dataRoot)
  yield* Effect.try({
    try: () => Fs.mkdirSync(dataRoot, { recursive: true }),
    catch: (cause) => refused(`cannot create ${dataRoot}: ${String(cause)}`)
  })

  const recordPath = (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.json`)
  const logPath = (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.log`)
  const dataPath = (phone: PhoneNumber) => Path.join(dataRoot, ContainerNames.volumeName(phone))

  /** How children we spawned ended (code or signal), for `status`; adopted ones end unseen. */
  const exits = new Map<PhoneNumber, { readonly pid: number; readonly how: string }>()
  /** Where the output of each worker was read up to. */
  const logOffsets = new Map<PhoneNumber, number>()

  const readRecord = (phone: PhoneNumber) =>
    Effect.sync(() =>
      Option.liftThrowable(() => Fs.readFileSync(recordPath(phone), "utf8"))().pipe(
        Option.flatMap(decodeRecord),
        Option.filter((record) => record.deployment === options.deployment)
      )
    )

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

  const removeRecord = (phone: PhoneNumber) =>
    Effect.sync(() => Option.liftThrowable(() => Fs.rmSync(recordPath(phone), { force: true }))())

  const spawn = Effect.fnUntraced(function*(spec: WorkerSpec, hash: string) {
    const phone = spec.phone
    if (!Fs.existsSync(options.entry)) {
      return yield* new ContainerRuntimeError({
        reason: "NotFound",
        runtime: "process",
        message: `the session worker is not built: ${options.entry} is missing (run npx tsc -b)`
      })
    }
    const dataDir = dataPath(phone)
    const logFd = yield* Effect.try({
      try: () => {
        Fs.mkdirSync(dataDir, { recursive: true })
        return Fs.openSync(logPath(phone), "w")
      },
      catch: (cause) => refused(`cannot prepare ${dataDir}: ${String(cause)}`)
    })
    const child = yield* Effect.callback<ChildProcess.ChildProcess, ContainerRuntimeError>((resume) => {
      const child = ChildProcess.spawn(process.execPath, [options.entry], {
        cwd: dataDir,
        detached: true,
        stdio: ["ignore", logFd, logFd],
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          ...environmentOf(spec),
          DATA_DIR: dataDir,
          CONTAINER_ID: ContainerNames.anonymousId("process")
        }
      })
      child.once("spawn", () => resume(Effect.succeed(child)))
      child.once("error", (error) => resume(Effect.fail(refused(`cannot start the worker: ${error.message}`))))
    }).pipe(Effect.ensuring(Effect.sync(() => Fs.closeSync(logFd))))
    const pid = child.pid ?? 0
    yield* yieldToTheControlPlane(pid)
    child.once("exit", (code, signal) => {
      exits.set(phone, { pid, how: signal === null ? `exited with code ${code}` : `killed by ${signal}` })
    })
    child.unref()
    logOffsets.set(phone, 0)
    const startTicks = procStat(pid)
    if (Option.isNone(startTicks)) return yield* refused("the worker exited as soon as it started")
    const record: ProcessRecord = {
      pid,
      startTicks: startTicks.value.startTicks,
      configHash: hash,
      deployment: options.deployment
    }
    yield* Effect.try({
      try: () => {
        const temporary = `${recordPath(phone)}.${pid}.tmp`
        Fs.writeFileSync(temporary, JSON.stringify(record))
        Fs.renameSync(temporary, recordPath(phone))
      },
      catch: (cause) => refused(`cannot record the worker: ${String(cause)}`)
    })
    yield* Effect.logInfo("worker process started").pipe(Effect.annotateLogs({ phone: mask(phone), pid }))
    return workerOf(phone, record)
  })

  const create = Effect.fn("ProcessRuntime.create")(function*(spec: WorkerSpec) {
    const hash = yield* configHash(spec)
    const existing = yield* readRecord(spec.phone)
    if (Option.isSome(existing)) {
      if (existing.value.configHash === hash && isAlive(existing.value)) return workerOf(spec.phone, existing.value)
      yield* terminate(spec.phone, existing.value)
      yield* removeRecord(spec.phone)
    }
    return yield* spawn(spec, hash)
  })

  const stop = Effect.fn("ProcessRuntime.stop")(function*(phone: PhoneNumber) {
    const existing = yield* readRecord(phone)
    if (Option.isNone(existing)) return
    yield* terminate(phone, existing.value)
    yield* removeRecord(phone)
    yield* Effect.logInfo("worker process stopped").pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  const status = (phone: PhoneNumber) =>
    Effect.map(readRecord(phone), Option.map((record) => workerOf(phone, record)))

  const recordedPhones = Effect.sync(() =>
    Option.liftThrowable(() => Fs.readdirSync(dataRoot))().pipe(
      Option.getOrElse((): Array<string> => []),
      (names) =>
        names.flatMap((name) => {
          const worker = recordPattern.exec(name)?.[1]
          return worker === undefined ? [] : Option.toArray(ContainerNames.phoneOfWorkerName(worker))
        })
    )
  )

  const list = Effect.flatMap(recordedPhones, (phones) =>
    Effect.forEach(phones, (phone) => Effect.map(status(phone), Option.toArray)).pipe(Effect.map((all) => all.flat())))

  /** Reads what each worker wrote since the last look and logs it line by line, with the masked phone. */
  const foldOutput = Effect.flatMap(recordedPhones, (phones) =>
    Effect.forEach(phones, (phone) => {
      const read = Option.liftThrowable(() => {
        const size = Fs.statSync(logPath(phone)).size
        // Output of a worker adopted from an earlier control plane: only what it writes from now on.
        const from = logOffsets.get(phone) ?? size
        const start = size < from ? 0 : from
        const length = Math.min(size - start, 1024 * 1024)
        if (length <= 0) return { lines: [] as Array<string>, next: start }
        const buffer = Buffer.alloc(length)
        const fd = Fs.openSync(logPath(phone), "r")
        Fs.readSync(fd, buffer, 0, length, start)
        Fs.closeSync(fd)
        const text = buffer.toString("utf8")
        const complete = text.lastIndexOf("\n") + 1
        return { lines: text.slice(0, complete).split("\n").filter((line) => line !== ""), next: start + complete }
      })()
      if (Option.isNone(read)) return Effect.void
      logOffsets.set(phone, read.value.next)
      return Effect.forEach(read.value.lines, relayLine, { discard: true }).pipe(
        Effect.annotateLogs({ phone: mask(phone), source: "session-worker" })
      )
    }, { discard: true }))

  yield* foldOutput.pipe(Effect.repeat(Schedule.spaced("500 millis")), Effect.forkScoped)

  return ContainerRuntime.of({ kind: "process", configHash, create, stop, status, list })
})

export const layer = (options: ProcessRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
