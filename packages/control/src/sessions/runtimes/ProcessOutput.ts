/**
 * The output of `process` workers folded into the control plane's logs: each worker writes to its own log file,
 * capped in size; what it wrote since the last look is relayed line by line, at its own level, with the masked phone.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, type LogLevel, Option, Schema } from "effect"
import * as Fs from "node:fs"

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

/**
 * The complete lines of `path` from `from` (at most 1 MiB), and where the next read starts; with no `from`, a
 * worker adopted from an earlier control plane, only what it writes from now on.
 */
const readLines = (path: string, from: number | undefined) =>
  Option.liftThrowable(() => {
    const size = Fs.statSync(path).size
    const wanted = from ?? size
    // A file shorter than where we were was truncated by a new worker: read it from its start.
    const start = size < wanted ? 0 : wanted
    const length = Math.min(size - start, 1024 * 1024)
    if (length <= 0) return { lines: [] as Array<string>, next: start }
    const buffer = Buffer.alloc(length)
    const fd = Fs.openSync(path, "r")
    Fs.readSync(fd, buffer, 0, length, start)
    Fs.closeSync(fd)
    const text = buffer.toString("utf8")
    const complete = text.lastIndexOf("\n") + 1
    return { lines: text.slice(0, complete).split("\n").filter((line) => line !== ""), next: start + complete }
  })()

/**
 * A log larger than `maxBytes` is copied to `{path}.1` (replacing the one before) and emptied, as logrotate's
 * `copytruncate` does: the worker writes with `O_APPEND`, so its next line starts the file again.
 */
const rotate = (path: string, maxBytes: number) =>
  Option.liftThrowable(() => {
    if (Fs.statSync(path).size <= maxBytes) return false
    Fs.copyFileSync(path, `${path}.1`)
    Fs.chmodSync(`${path}.1`, 0o600)
    Fs.truncateSync(path, 0)
    return true
  })().pipe(Option.getOrElse(() => false))

export const make = (logPath: (phone: PhoneNumber) => string, maxBytes: number) => {
  /** Where the output of each worker was read up to. */
  const offsets = new Map<PhoneNumber, number>()

  /** A worker spawned now: its output is read from the start. */
  const started = (phone: PhoneNumber) => offsets.set(phone, 0)

  /** Reads what each worker wrote since the last look, logs it line by line, and rotates a log grown too large. */
  const fold = (phones: ReadonlyArray<PhoneNumber>) =>
    Effect.forEach(phones, (phone) => {
      const read = readLines(logPath(phone), offsets.get(phone))
      if (Option.isNone(read)) return Effect.void
      offsets.set(phone, rotate(logPath(phone), maxBytes) ? 0 : read.value.next)
      return Effect.forEach(read.value.lines, relayLine, { discard: true }).pipe(
        Effect.annotateLogs({ phone: mask(phone), source: "session-worker" })
      )
    }, { discard: true })

  return { started, fold }
}
