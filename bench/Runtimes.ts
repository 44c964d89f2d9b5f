/**
 * Items 4 and 5 for the worker runtimes: create → `worker started` through the container manager (median of 10)
 * for the process and docker runtimes, beside a bare Node process and a bare container of the same image; and the
 * memory of one idle worker on the fake and on real TDLib (offline), beside a bare Node process and a bare TDLib
 * client process (`Footprint.ts`).
 */
import { Effect, Option } from "effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { repositoryRoot, scratchDirectory } from "./Environment.ts"
import * as Footprint from "./Footprint.ts"
import { compared, type Figure, type Outcome, outcome, skipped } from "./Report.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

const mebibyte = 1024 * 1024
const budgetBytes = 24 * 1024 * mebibyte

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

const withHarness = (runtime: Workers.RuntimeChoice, driver: Workers.Driver) =>
  Effect.provide(Workers.layer({ name: `${runtime._tag}${driver}`, runtime, driver }))

/** Idle workers measured together per driver; each figure is their median. */
const idleWorkerCount = 3

interface RuntimeFigures {
  readonly startMs: ReadonlyArray<number>
  readonly fake: Footprint.Footprint
  readonly tdlib: Footprint.Footprint
}

const measureRuntime = (runtime: Workers.RuntimeChoice, startCount: number) =>
  Effect.gen(function*() {
    const startMs = yield* starts(startCount).pipe(withHarness(runtime, "fake"))
    const fake = yield* Footprint.idleWorkers(runtime, idleWorkerCount).pipe(withHarness(runtime, "fake"))
    const tdlib = yield* Footprint.idleWorkers(runtime, idleWorkerCount).pipe(withHarness(runtime, "tdlib"))
    return { startMs, fake, tdlib } satisfies RuntimeFigures
  })

const mib = (bytes: number) => bytes / mebibyte

/** The goal for one idle isolated worker on real TDLib. */
const goalMiB = 110

interface Floors {
  readonly node: Footprint.Footprint
  readonly tdlClient: Footprint.Footprint
}

const floorFigures = (floors: Floors): Array<Figure> => [
  compared(
    {
      key: "footprint.tdlClient.rssMiB",
      figure: "footprint: bare TDLib client process (tdl, one client, offline), RSS",
      value: mib(floors.tdlClient.rssBytes),
      unit: "MiB"
    },
    { label: "bare node process", value: mib(floors.node.rssBytes) }
  )
]

const runtimeFigures = (
  kind: "process" | "docker",
  measured: RuntimeFigures,
  startBaseline: { readonly label: string; readonly samples: ReadonlyArray<number> },
  floors: Floors
): Array<Figure> => {
  const tdlClient = { label: "bare TDLib client process", value: mib(floors.tdlClient.rssBytes) }
  const rss = mib(measured.tdlib.rssBytes)
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
      {
        key: `footprint.${kind}.tdlibMiB`,
        figure: `footprint: idle worker RSS, real TDLib offline, ${kind} (median of ${idleWorkerCount})`,
        value: rss,
        unit: "MiB",
        target: { text: `≤ ${goalMiB} MiB`, met: rss <= goalMiB }
      },
      tdlClient
    ),
    compared(
      {
        key: `footprint.${kind}.fakeMiB`,
        figure: `footprint: idle worker RSS, fake TDLib, ${kind} (median of ${idleWorkerCount})`,
        value: mib(measured.fake.rssBytes),
        unit: "MiB"
      },
      { label: "bare node process", value: mib(floors.node.rssBytes) }
    ),
    compared(
      {
        key: `footprint.${kind}.accountsIn24GiB`,
        figure: `footprint: accounts in 24 GiB at that RSS (real TDLib), ${kind}`,
        value: Math.floor(budgetBytes / measured.tdlib.rssBytes),
        unit: "accounts"
      },
      { label: "bare TDLib client processes", value: Math.floor(budgetBytes / floors.tdlClient.rssBytes) }
    )
  ]
}

export const run = (startCount: number): Effect.Effect<Outcome> =>
  Effect.scoped(Effect.gen(function*() {
    const nodeStart = yield* bareNodeStart(startCount)
    const floors: Floors = { node: yield* Footprint.bareNode, tdlClient: yield* Footprint.bareTdlClient }
    const dataRoot = yield* scratchDirectory("process-runtime")
    const processFigures = yield* measureRuntime({ _tag: "process", dataRoot }, startCount)
    const figures: Array<Figure> = [
      ...floorFigures(floors),
      ...runtimeFigures("process", processFigures, { label: "bare node -e 0", samples: nodeStart }, floors)
    ]

    const footprints: Record<string, Floors | RuntimeFigures> = { floors, process: processFigures }

    const problem = yield* dockerProblem
    if (Option.isSome(problem)) {
      figures.push(skipped("startup.docker.medianMs", "start-up: create → worker started, docker runtime", problem.value))
    } else {
      const containerStart = yield* bareContainerStart(startCount)
      const dockerFigures = yield* measureRuntime({ _tag: "docker" }, startCount)
      figures.push(...runtimeFigures("docker", dockerFigures, { label: "docker run node -e 0", samples: containerStart }, floors))
      footprints["docker"] = dockerFigures
    }
    return outcome(figures, [], { footprints })
  })).pipe(Effect.orDie)
