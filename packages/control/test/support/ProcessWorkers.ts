/**
 * The session workers a control plane started with the `process` runtime under one folder, as a test sees them:
 * each account's pid record (removed with its worker), whether a process still runs, and a way to stop every one
 * the test left behind.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"

const running = (pid: number) => {
  const stat = Path.join("/proc", String(pid), "stat")
  return Fs.existsSync(stat) && !/\) [ZX] /.test(Fs.readFileSync(stat, "utf8"))
}

export const make = (root: string) => {
  const record = (phone: string) => Path.join(root, `vigia-session-${phone}.json`)

  /** The pid the runtime recorded for the account's worker, if it started one. */
  const pidOf = (phone: PhoneNumber | string): Option.Option<number> =>
    Fs.existsSync(record(phone))
      ? Option.some((JSON.parse(Fs.readFileSync(record(phone), "utf8")) as { readonly pid: number }).pid)
      : Option.none()

  /** Waits until the process `pid` is gone (the runtime removed the worker), or fails after `seconds`. */
  const gone = (pid: number, seconds = 15) =>
    Effect.sync(() => running(pid)).pipe(
      Effect.filterOrFail((alive) => !alive, () => new Error(`the worker process ${pid} still runs`)),
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: `${seconds} seconds` })))
    )

  /** Waits until the runtime removed the account's worker: it removes the pid record once the process is gone. */
  const removed = (phone: PhoneNumber, seconds = 15) =>
    Effect.sync(() => pidOf(phone)).pipe(
      Effect.filterOrFail(Option.isNone, () => new Error(`the worker of ${phone} is still recorded`)),
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: `${seconds} seconds` })))
    )

  /** Every worker still running under the folder is killed, and the folder removed. */
  const removeAll = Effect.sync(() => {
    if (!Fs.existsSync(root)) return
    for (const file of Fs.readdirSync(root)) {
      const phone = /^vigia-session-([0-9]+)\.json$/.exec(file)?.[1]
      const pid = phone === undefined ? Option.none() : pidOf(phone)
      if (Option.isSome(pid) && running(pid.value)) process.kill(pid.value, "SIGKILL")
    }
    Fs.rmSync(root, { recursive: true, force: true })
  })

  return { root, pidOf, running, gone, removed, removeAll }
}

export type ProcessWorkers = ReturnType<typeof make>
