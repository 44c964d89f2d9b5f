/**
 * What an idle worker keeps in memory. V8 collects its old generation only when allocation pushes it to, so a
 * worker that starts and then idles would keep start-up's garbage (module evaluation, TDLib's first updates)
 * resident for good: one full, compacting collection once it has started gives those pages back (see the
 * session worker's build in docs/ARCHITECTURE.md for the figures).
 */
import { Duration, Effect } from "effect"
import * as V8 from "node:v8"
import * as Vm from "node:vm"

/** How long after its start a worker is left to settle (TDLib's first burst of updates) before the collection. */
export const settleTime = Duration.seconds(2)

interface CollectionOptions {
  readonly type: "major"
  readonly execution: "sync"
  /** A memory-reducing collection: compacts, and releases the emptied pages to the system. */
  readonly flavor: "last-resort"
}

/** V8's own collector, exposed only while it is fetched (`--expose-gc` reaches new contexts only). */
const v8Collector = (): ((options: CollectionOptions) => void) | undefined => {
  V8.setFlagsFromString("--expose-gc")
  const collector: unknown = Vm.runInNewContext("gc")
  V8.setFlagsFromString("--no-expose-gc")
  return typeof collector === "function" ? (collector as (options: CollectionOptions) => void) : undefined
}

const mebibytes = (bytes: number) => Math.round(bytes / 2 ** 20)

/** One memory-reducing collection of the whole heap; the resident size before and after goes to the debug log. */
export const collectStartupGarbage: Effect.Effect<void> = Effect.gen(function*() {
  const before = process.memoryUsage.rss()
  const collect = v8Collector()
  if (collect === undefined) return yield* Effect.logDebug("V8's collector is not available: start-up garbage stays")
  yield* Effect.sync(() => collect({ type: "major", execution: "sync", flavor: "last-resort" }))
  yield* Effect.logDebug(
    "start-up garbage collected",
    `resident ${mebibytes(before)} → ${mebibytes(process.memoryUsage.rss())} MiB`
  )
})
