/**
 * The `process` runtime's records on disk: one JSON file per running worker (pid, start time, config hash,
 * deployment) beside the accounts' folders, enough to recognise its process after the control plane restarts.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntimeError } from "./ContainerRuntime.ts"

export const ProcessRecord = Schema.Struct({
  pid: Schema.Int,
  /** Field 22 of `/proc/{pid}/stat`: with the pid, identifies the process even after pids wrap around. */
  startTicks: Schema.String,
  configHash: Schema.String,
  deployment: Schema.String
})
export type ProcessRecord = typeof ProcessRecord.Type

const decodeRecord = Schema.decodeUnknownOption(Schema.fromJsonString(ProcessRecord))

const recordPattern = /^(vigia-session-[1-9][0-9]{7,14})\.json$/

export const refused = (message: string) => new ContainerRuntimeError({ reason: "Refused", runtime: "process", message })

/** The state letter and start time of a live process, from `/proc`; none when there is no such process. */
export const procStat = (pid: number): Option.Option<{ readonly state: string; readonly startTicks: string }> => {
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
export const isAlive = (record: ProcessRecord): boolean =>
  Option.match(procStat(record.pid), {
    onNone: () => false,
    onSome: ({ startTicks, state }) => startTicks === record.startTicks && state !== "Z" && state !== "X"
  })

/** The records of one deployment's workers in `dataRoot`, and where each account's files are. */
export const make = (dataRoot: string, deployment: string) => {
  const recordPath = (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.json`)

  const read = (phone: PhoneNumber) =>
    Effect.sync(() =>
      Option.liftThrowable(() => Fs.readFileSync(recordPath(phone), "utf8"))().pipe(
        Option.flatMap(decodeRecord),
        Option.filter((record) => record.deployment === deployment)
      )
    )

  /** Written whole or not at all: a reader never sees half a record. */
  const write = (phone: PhoneNumber, record: ProcessRecord) =>
    Effect.try({
      try: () => {
        const temporary = `${recordPath(phone)}.${record.pid}.tmp`
        Fs.writeFileSync(temporary, JSON.stringify(record), { mode: 0o600 })
        Fs.renameSync(temporary, recordPath(phone))
      },
      catch: (cause) => refused(`cannot record the worker: ${String(cause)}`)
    })

  const remove = (phone: PhoneNumber) =>
    Effect.sync(() => Option.liftThrowable(() => Fs.rmSync(recordPath(phone), { force: true }))())

  /** The accounts with a record, whatever its deployment. */
  const phones = Effect.sync(() =>
    Option.liftThrowable(() => Fs.readdirSync(dataRoot))().pipe(
      Option.getOrElse((): Array<string> => []),
      (names) =>
        names.flatMap((name) => {
          const worker = recordPattern.exec(name)?.[1]
          return worker === undefined ? [] : Option.toArray(ContainerNames.phoneOfWorkerName(worker))
        })
    )
  )

  return {
    read,
    write,
    remove,
    phones,
    logPath: (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.log`),
    dataPath: (phone: PhoneNumber) => Path.join(dataRoot, ContainerNames.volumeName(phone))
  }
}

export type ProcessRecords = ReturnType<typeof make>
