/**
 * Reads a V8 CPU profile (`node --cpu-prof`, e.g. from BENCH_CONTROL_NODE_OPTIONS) and prints where the busy time
 * went: self time by package and by function, as shares of the time the process was not idle.
 *   node bench/ProfileSummary.ts /tmp/profiles/CPU.….cpuprofile [functions shown, default 25]
 */
import * as Fs from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** `node_modules/effect/…` → `effect`, `node_modules/@effect/sql-pg/…` → `@effect/sql-pg`, our files by package. */
const packageOf = (frame: ProfileNode["callFrame"]): string => {
  const url = frame.url
  if (url === "") return `(${frame.functionName || "native"})`
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`
  const dependency = url.split("node_modules/").pop() ?? url
  if (dependency !== url) return dependency.split("/").slice(0, dependency.startsWith("@") ? 2 : 1).join("/")
  const ours = /packages\/([^/]+)\//.exec(url)?.[1]
  return ours === undefined ? url : `@vigia/${ours}`
}

const [path, shown = "25"] = process.argv.slice(2)
if (path === undefined) {
  process.stderr.write("usage: node bench/ProfileSummary.ts <file.cpuprofile> [functions]\n")
  process.exit(2)
}
const profile = JSON.parse(Fs.readFileSync(path, "utf8")) as Profile
const selfMicros = new Map<number, number>()
profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))

const byPackage = new Map<string, number>()
const byFunction = new Map<string, number>()
let busy = 0
let idle = 0
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0
  if (node.callFrame.functionName === "(idle)") {
    idle += micros
    continue
  }
  busy += micros
  const name = packageOf(node.callFrame)
  byPackage.set(name, (byPackage.get(name) ?? 0) + micros)
  const where = node.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/packages\//, "")
  const key = `${node.callFrame.functionName || "(anonymous)"}  ${where}:${node.callFrame.lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
}

const top = (table: Map<string, number>, count: number) =>
  [...table].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([name, micros]) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${name}`).join("\n")

process.stdout.write(
  `busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s\n\nby package (share of busy time)\n${top(byPackage, 15)}\n\n` +
    `by function (self time)\n${top(byFunction, Number(shown))}\n`
)
