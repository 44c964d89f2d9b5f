/**
 * Item 6: parse + quote throughput on one core, by running the domain's own benchmark
 * (`packages/domain/bench/parser.ts`, its corpus and baseline) pinned to one CPU, and reading its figures.
 */
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { repositoryRoot } from "./Environment.ts"
import { compared, type Outcome, outcome, skipped } from "./Report.ts"

const script = Path.join(repositoryRoot, "packages/domain/bench/parser.ts")

/** `taskset -c 0` when the machine has it, so the run stays on one core. */
const pinned = (args: ReadonlyArray<string>): [string, Array<string>] =>
  Fs.existsSync("/usr/bin/taskset") ? ["/usr/bin/taskset", ["-c", "0", ...args]] : [args[0] ?? "", args.slice(1)]

const rateOf = (output: string, label: string): number => {
  const line = output.split("\n").find((candidate) => candidate.startsWith(label))
  const digits = /([\d,]+) messages\/s/.exec(line ?? "")?.[1]
  return digits === undefined ? Number.NaN : Number(digits.replaceAll(",", ""))
}

export const run: Effect.Effect<Outcome> = Effect.callback<string, Error>((resume) => {
  const [command, args] = pinned([process.execPath, script])
  ChildProcess.execFile(command, args, { cwd: repositoryRoot, timeout: 60_000 }, (error, stdout, stderr) =>
    resume(error === null ? Effect.succeed(stdout) : Effect.fail(new Error(`${error.message}\n${stderr}`))))
}).pipe(
  Effect.map((output) => {
    const ours = rateOf(output, "parse + quote")
    const plain = rateOf(output, "baseline lowercase+split")
    return outcome([
      compared(
        { key: "parser.messagesPerSecond", figure: "parser: parse + quote, one core", value: ours, unit: "msg/s" },
        { label: "lowercase + split", value: plain }
      )
    ])
  }),
  Effect.catch((error) =>
    Effect.succeed(outcome([skipped("parser.messagesPerSecond", "parser: parse + quote, one core", error.message)]))
  )
)
