/**
 * What one idle account costs in memory, read from `/proc/{pid}/smaps_rollup` once the process has settled: its
 * resident set (RSS, the figure), and for `latest.json` its proportional share of the pages it shares with other
 * processes (PSS) and its private pages (USS), both of which depend on what else maps the Node binary and TDLib's
 * library at the time. For idle workers started through the container manager, and for their floors: a bare Node
 * process and a bare TDLib client (`TdlClient.ts`).
 */
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { repositoryRoot, scratchDirectory } from "./Environment.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

export interface Footprint {
  readonly rssBytes: number
  readonly pssBytes: number
  readonly ussBytes: number
}

/**
 * How long a process is left alone before its memory is read: a worker gives start-up's garbage back 2 s after it
 * started (the session worker's `IdleMemory`), and what it holds then is what it holds while it idles.
 */
const settle = "5 seconds"

const gone: Footprint = { rssBytes: Number.NaN, pssBytes: Number.NaN, ussBytes: Number.NaN }

/** RSS, PSS and USS of a process in bytes; NaN when it is gone. */
export const footprintOf = (pid: number): Footprint => {
  const rollup = Fs.existsSync(`/proc/${pid}/smaps_rollup`) ? Fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8") : ""
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? Number.NaN) * 1024
  return { rssBytes: field("Rss"), pssBytes: field("Pss"), ussBytes: field("Private_Clean") + field("Private_Dirty") }
}

/** An idle bare Node process (a timer keeps it alive). */
export const bareNode = Effect.acquireUseRelease(
  Effect.sync(() => ChildProcess.spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" })),
  (child) => Effect.sleep(settle).pipe(Effect.andThen(Effect.sync(() => footprintOf(child.pid ?? 0)))),
  (child) => Effect.sync(() => child.kill("SIGKILL"))
)

/** Resolves once the child has written `line` on its standard output; fails if it exits first. */
const untilLine = (child: ChildProcess.ChildProcess, line: string) =>
  Effect.callback<void, Error>((resume) => {
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.split("\n").includes(line)) resume(Effect.void)
    })
    child.once("exit", (code) => resume(Effect.fail(new Error(`the bare TDLib client exited with ${code}`))))
  })

const tdlClientSource = Path.join(repositoryRoot, "bench/TdlClient.ts")

/** A bare TDLib client, offline and idle, in a scratch folder; TDLib closed before the folder is removed. */
export const bareTdlClient = Effect.scoped(Effect.gen(function*() {
  const folder = yield* scratchDirectory("tdl-client")
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      ChildProcess.spawn(process.execPath, ["--input-type=module", "-e", Fs.readFileSync(tdlClientSource, "utf8")], {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH ?? "", TDL_CLIENT_FOLDER: folder },
        stdio: ["ignore", "pipe", "inherit"]
      })
    ),
    (child) =>
      Effect.callback<void>((resume) => {
        child.once("exit", () => resume(Effect.void))
        if (!child.kill("SIGTERM")) resume(Effect.void)
      }).pipe(Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.sync(() => void child.kill("SIGKILL")) }))
  )
  yield* untilLine(child, "ready").pipe(Effect.timeout("30 seconds"))
  yield* Effect.sleep(settle)
  return footprintOf(child.pid ?? 0)
}))

/** The worker's own Node process inside its container (under Docker's init). */
const containerNodePid = (phone: PhoneNumber) => {
  const top = Number(
    ChildProcess.execFileSync("docker", ["inspect", "--format", "{{.State.Pid}}", ContainerNames.workerName(phone)], {
      encoding: "utf8"
    }).trim()
  )
  const comm = Fs.readFileSync(`/proc/${top}/comm`, "utf8").trim()
  if (comm === "node") return top
  const children = Fs.readFileSync(`/proc/${top}/task/${top}/children`, "utf8").trim().split(/\s+/)
  return Number(children[0])
}

const pidOf = (runtime: Workers.RuntimeChoice, phone: PhoneNumber, status: { readonly id: string }) =>
  runtime._tag === "process" ? Number(status.id) : containerNodePid(phone)

/** The median of each figure over `footprints`. */
const medianOf = (footprints: ReadonlyArray<Footprint>): Footprint => ({
  rssBytes: Stats.median(footprints.map((footprint) => footprint.rssBytes)),
  pssBytes: Stats.median(footprints.map((footprint) => footprint.pssBytes)),
  ussBytes: Stats.median(footprints.map((footprint) => footprint.ussBytes))
})

/**
 * `count` idle workers of the harness in context, started together and read once they have settled, then stopped:
 * the median of each figure, and every reading.
 */
export const idleWorkers = (runtime: Workers.RuntimeChoice, count: number) =>
  Effect.gen(function*() {
    const harness = yield* Workers.Harness
    const phones = Array.from({ length: count }, () => Workers.randomPhone())
    const started = yield* Effect.forEach(
      phones,
      (phone) => harness.start(phone).pipe(Effect.map((status) => ({ phone, worker: status.worker }))),
      { concurrency: "unbounded" }
    )
    yield* Effect.sleep(settle)
    const readings = started.map(({ phone, worker }) =>
      Option.match(worker, {
        onNone: () => gone,
        onSome: (running) => footprintOf(pidOf(runtime, phone, running))
      })
    )
    yield* Effect.forEach(phones, (phone) => harness.stop(phone), { concurrency: "unbounded", discard: true })
    return { ...medianOf(readings), readings }
  })
