/**
 * Items 4 and 5 for the worker runtimes: create → `worker started` through the container manager (median of 10)
 * for the process and docker runtimes, and the resident memory of one idle worker on the fake and on real TDLib,
 * beside a bare Node process (its start and its memory) and a bare container of the same image.
 */
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { repositoryRoot, residentBytes, scratchDirectory } from "./Environment.ts"
import { compared, type Figure, type Outcome, outcome, skipped } from "./Report.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

const mebibyte = 1024 * 1024
const budgetBytes = 24 * 1024 * mebibyte
/** How long a worker is left alone before its memory is read. */
const settle = "3 seconds"

/** Milliseconds from spawning `command` until it has exited. */
const timeToExit = (command: string, args: ReadonlyArray<string>) =>
  Effect.callback<number, Error>((resume) => {
    const started = performance.now()
    const child = ChildProcess.spawn(command, args, { stdio: "ignore" })
    child.once("error", (error) => resume(Effect.fail(error)))
    child.once("exit", (code) =>
      resume(code === 0 ? Effect.succeed(performance.now() - started) : Effect.fail(new Error(`${command} exited with ${code}`))))
  })

const repeat = <A, E, R>(times: number, effect: Effect.Effect<A, E, R>) =>
  Effect.forEach(Array.from({ length: times }), () => effect)

/** A bare Node process that starts and exits: the floor under any worker's start. */
export const bareNodeStart = (times: number) => repeat(times, timeToExit(process.execPath, ["-e", "0"]))

/** Resident memory of an idle bare Node process (a timer keeps it alive). */
const bareNodeMemory = Effect.acquireUseRelease(
  Effect.sync(() => ChildProcess.spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" })),
  (child) => Effect.sleep(settle).pipe(Effect.andThen(Effect.sync(() => residentBytes(child.pid ?? 0)))),
  (child) => Effect.sync(() => child.kill("SIGKILL"))
)

/**
 * Why the docker runtime cannot be measured, if it cannot: no engine, or no worker image. Building the image
 * (`infra/scripts/prepare-engine.sh`, minutes on a fresh machine) would blow the run's time budget, so the bench
 * does it only when `BENCH_PREPARE_ENGINE=1`.
 */
const dockerProblem = Effect.sync((): Option.Option<string> => {
  const docker = (args: ReadonlyArray<string>) => ChildProcess.spawnSync("docker", args, { stdio: "ignore" }).status === 0
  if (!docker(["info"])) return Option.some("no Docker engine answers (`docker info` failed)")
  if (docker(["image", "inspect", Workers.workerImage])) return Option.none()
  if (process.env.BENCH_PREPARE_ENGINE !== "1") {
    return Option.some(`the image ${Workers.workerImage} is missing: run infra/scripts/prepare-engine.sh, or set BENCH_PREPARE_ENGINE=1`)
  }
  const prepared = ChildProcess.spawnSync(Path.join(repositoryRoot, "infra/scripts/prepare-engine.sh"), {
    cwd: repositoryRoot,
    stdio: ["ignore", "ignore", "pipe"]
  })
  return prepared.status === 0 && docker(["image", "inspect", Workers.workerImage])
    ? Option.none()
    : Option.some(`infra/scripts/prepare-engine.sh failed: ${prepared.stderr?.toString().trim().split("\n").pop() ?? "no output"}`)
})

/**
 * A container of the worker's image, on the host's network as the runtime runs workers, that runs `node -e 0` and
 * is removed: the floor under the docker runtime.
 */
const bareContainerStart = (times: number) =>
  repeat(times, timeToExit("docker", ["run", "--rm", "--network", "host", "--entrypoint", "node", Workers.workerImage, "-e", "0"]))

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

/** `times` sequential starts of a fake worker (each stopped before the next); milliseconds from create to running. */
const starts = (times: number) =>
  Effect.gen(function*() {
    const harness = yield* Workers.Harness
    return yield* repeat(times, Effect.gen(function*() {
      const phone = Workers.randomPhone()
      const started = performance.now()
      yield* harness.start(phone)
      const took = performance.now() - started
      yield* harness.stop(phone)
      return took
    }))
  })

/** One idle worker's resident memory, read after it has settled. */
const idleMemory = (runtime: Workers.RuntimeChoice) =>
  Effect.gen(function*() {
    const harness = yield* Workers.Harness
    const phone = Workers.randomPhone()
    const status = yield* harness.start(phone)
    if (Option.isNone(status.worker)) return Number.NaN
    yield* Effect.sleep(settle)
    const bytes = residentBytes(pidOf(runtime, phone, status.worker.value))
    yield* harness.stop(phone)
    return bytes
  })

const withHarness = (runtime: Workers.RuntimeChoice, driver: Workers.Driver) =>
  Effect.provide(Workers.layer({ name: `${runtime._tag}${driver}`, runtime, driver }))

interface RuntimeFigures {
  readonly startMs: ReadonlyArray<number>
  readonly fakeBytes: number
  readonly tdlibBytes: number
}

const measureRuntime = (runtime: Workers.RuntimeChoice, startCount: number) =>
  Effect.gen(function*() {
    const startMs = yield* starts(startCount).pipe(withHarness(runtime, "fake"))
    const fakeBytes = yield* idleMemory(runtime).pipe(withHarness(runtime, "fake"))
    const tdlibBytes = yield* idleMemory(runtime).pipe(withHarness(runtime, "tdlib"))
    return { startMs, fakeBytes, tdlibBytes } satisfies RuntimeFigures
  })

const mib = (bytes: number) => bytes / mebibyte

const runtimeFigures = (
  kind: "process" | "docker",
  measured: RuntimeFigures,
  startBaseline: { readonly label: string; readonly samples: ReadonlyArray<number> },
  nodeBytes: number
): Array<Figure> => {
  const memoryBaseline = { label: "bare node process", value: mib(nodeBytes) }
  return [
    compared(
      {
        key: `startup.${kind}.medianMs`,
        figure: `start-up: create → worker started, ${kind} runtime (median of ${measured.startMs.length})`,
        value: Stats.median(measured.startMs),
        unit: "ms"
      },
      { label: startBaseline.label, value: Stats.median(startBaseline.samples) }
    ),
    compared(
      { key: `footprint.${kind}.tdlibMiB`, figure: `footprint: idle worker RSS, real TDLib, ${kind}`, value: mib(measured.tdlibBytes), unit: "MiB" },
      memoryBaseline
    ),
    compared(
      { key: `footprint.${kind}.fakeMiB`, figure: `footprint: idle worker RSS, fake TDLib, ${kind}`, value: mib(measured.fakeBytes), unit: "MiB" },
      memoryBaseline
    ),
    compared(
      {
        key: `footprint.${kind}.accountsIn24GiB`,
        figure: `footprint: accounts in 24 GiB at that RSS (real TDLib), ${kind}`,
        value: Math.floor(budgetBytes / measured.tdlibBytes),
        unit: "accounts"
      },
      { label: "bare node processes", value: Math.floor(budgetBytes / nodeBytes) }
    )
  ]
}

export const run = (startCount: number): Effect.Effect<Outcome> =>
  Effect.scoped(Effect.gen(function*() {
    const nodeStart = yield* bareNodeStart(startCount)
    const nodeBytes = yield* bareNodeMemory
    const dataRoot = yield* scratchDirectory("process-runtime")
    const processFigures = yield* measureRuntime({ _tag: "process", dataRoot }, startCount)
    const figures: Array<Figure> = runtimeFigures("process", processFigures, { label: "bare node -e 0", samples: nodeStart }, nodeBytes)

    const problem = yield* dockerProblem
    if (Option.isSome(problem)) {
      figures.push(skipped("startup.docker.medianMs", "start-up: create → worker started, docker runtime", problem.value))
    } else {
      const containerStart = yield* bareContainerStart(startCount)
      const dockerFigures = yield* measureRuntime({ _tag: "docker" }, startCount)
      figures.push(...runtimeFigures("docker", dockerFigures, { label: "docker run node -e 0", samples: containerStart }, nodeBytes))
    }
    return outcome(figures)
  })).pipe(Effect.orDie)
