/**
 * `npm run bench`: every benchmark of issue 10 in one run, each figure beside its baseline measured in the same run;
 * prints one table and writes `bench/results/latest.json` and `bench/results/latency.svg`.
 */
import { PgClient } from "@effect/sql-pg"
import { Cause, Effect, Redacted, References } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Chart from "./Chart.ts"
import { databaseServerUrl, redisClient, repositoryRoot, runId } from "./Environment.ts"
import * as Gateway from "./Gateway.ts"
import * as IdleCost from "./IdleCost.ts"
import * as Limits from "./Limits.ts"
import * as Parser from "./Parser.ts"
import * as Pipeline from "./Pipeline.ts"
import * as Pools from "./Pools.ts"
import { type Outcome, outcome, skipped, table } from "./Report.ts"
import * as Runtimes from "./Runtimes.ts"
import * as Stats from "./Stats.ts"

const numberFrom = (name: string, fallback: number) => {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const accounts = numberFrom("BENCH_ACCOUNTS", 50)
const rate = numberFrom("BENCH_RATE", 500)

/** The benchmarks in the order they run: the quiet ones first, the one that loads the machine most last. */
const sections: ReadonlyArray<readonly [name: string, run: Effect.Effect<Outcome>]> = [
  ["parser", Parser.run],
  ["rpc", Gateway.run(1000)],
  ["runtimes", Runtimes.run(10)],
  ["pools", Pools.runFootprint([10, 50, 100])],
  ["thousand", Pools.runThousand(numberFrom("BENCH_THOUSAND", 1000), numberFrom("BENCH_POOL_SIZE", 100))],
  ["idle", IdleCost.run({ sizes: [0, 100, 1000], windowSeconds: 6, starts: 3 })],
  ["limits", Limits.run({ accounts, steadyRate: 20, steadySeconds: 30, floodRate: 150, floodSeconds: 20 })],
  ["pipeline", Pipeline.run({ accounts, rate, warmUpSeconds: 2, measuredSeconds: 8, burst: 8000 })]
]

/** `BENCH_ONLY=rpc,idle` runs just those sections. */
const chosen = (process.env.BENCH_ONLY ?? "").split(",").map((name) => name.trim()).filter((name) => name !== "")

const log = (line: string) => Effect.sync(() => process.stderr.write(`${line}\n`))

const machine = Effect.scoped(Effect.gen(function*() {
  const redis = yield* redisClient("info")
  const info = yield* Effect.promise(() => redis.info("server"))
  const postgres = yield* Effect.gen(function*() {
    const client = yield* PgClient.makeClient({ url: Redacted.make(databaseServerUrl) })
    const rows = yield* client<{ readonly server_version: string }>`SHOW server_version`
    return rows[0]?.server_version.split(" ")[0] ?? "?"
  }).pipe(Effect.provide(Reactivity.layer), Effect.orElseSucceed(() => "?"))
  const cpus = Os.cpus()
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? "?"}`,
    memoryGiB: Math.round(Os.totalmem() / 2 ** 30),
    kernel: Os.release(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "?",
    postgres
  }
}))

const program = Effect.gen(function*() {
  const started = performance.now()
  const date = new Date().toISOString()
  const host = yield* machine
  yield* log(`vigia bench ${runId}: ${host.cpu}, ${host.memoryGiB} GiB, Linux ${host.kernel}, Node ${host.node}, Redis ${host.redis}, PostgreSQL ${host.postgres}`)
  const outcomes: Array<Outcome> = []
  for (const [name, run] of sections) {
    if (chosen.length > 0 && !chosen.includes(name)) continue
    const sectionStarted = performance.now()
    yield* log(`… ${name}`)
    const result = yield* run.pipe(
      Effect.catchCause((cause) => Effect.succeed(outcome([skipped(name, name, Cause.pretty(cause).split("\n")[0] ?? "failed")])))
    )
    outcomes.push(result)
    yield* log(`  ${name} took ${((performance.now() - sectionStarted) / 1000).toFixed(1)} s`)
  }
  const seconds = (performance.now() - started) / 1000
  const figures = outcomes.flatMap((result) => result.figures)
  const distributions = outcomes.flatMap((result) => result.distributions)
  const machineLine = `${date.slice(0, 10)}, ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, Redis ${host.redis}, PostgreSQL ${host.postgres}`

  const results = Path.join(repositoryRoot, "bench/results")
  Fs.mkdirSync(results, { recursive: true })
  // A run of some sections only does not replace the full run's files.
  const stem = chosen.length === 0 ? "" : `only-${chosen.join("-")}-`
  const [jsonFile, chartFile] = [`${stem}latest.json`, `${stem}latency.svg`]
  const rounded = (samples: ReadonlyArray<number>) => samples.map((sample) => Math.round(sample * 1000) / 1000)
  Fs.writeFileSync(Path.join(results, jsonFile), JSON.stringify({
    date,
    sections: sections.map(([name]) => name).filter((name) => chosen.length === 0 || chosen.includes(name)),
    machine: host,
    seconds: Math.round(seconds),
    figures: figures.map((figure) => ({ ...figure, value: Number.isFinite(figure.value) ? figure.value : null })),
    distributions: distributions.map((distribution) => ({
      name: distribution.name,
      ...Stats.latencies(distribution.samples),
      samplesMs: rounded(distribution.samples)
    })),
    details: Object.assign({}, ...outcomes.map((result) => result.details))
  }, null, 2))
  Fs.writeFileSync(
    Path.join(results, chartFile),
    Chart.latencyCdf(distributions, "Vigia latency distributions (CDF)", machineLine)
  )

  process.stdout.write(`\nVigia benchmarks — ${machineLine}; ${seconds.toFixed(0)} s\n\n${table(figures)}\n\n`)
  for (const figure of figures) {
    if (figure.note !== undefined && !figure.note.startsWith("skipped")) process.stdout.write(`- ${figure.figure}: ${figure.note}\n`)
  }
  process.stdout.write(`\nwrote bench/results/${jsonFile} and bench/results/${chartFile}\n`)
})

Effect.runPromise(program.pipe(Effect.provideService(References.MinimumLogLevel, "Error"))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`the bench failed: ${String(error)}\n`)
    process.exit(1)
  }
)
