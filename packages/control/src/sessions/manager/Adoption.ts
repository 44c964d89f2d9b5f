/**
 * Adoption, when the manager starts: what the runtime runs is reconciled with what the sessions table wants.
 * Healthy workers with the current configuration are kept, others restarted, missing ones started, unwanted ones removed.
 */
import { Clock, Effect, Option } from "effect"
import type { ManagerContext } from "./ManagerContext.ts"
import { tracked } from "./WorkerTable.ts"

export const reconcile = Effect.fnUntraced(function*(context: ManagerContext) {
  const { runtime, table } = context
  const wanted = new Set(yield* context.store.wanted)
  const workers = yield* runtime.list
  const now = yield* Clock.currentTimeMillis
  const [orphans, kept] = [workers.filter((w) => !wanted.has(w.phone)), workers.filter((w) => wanted.has(w.phone))]
  yield* Effect.forEach(orphans, (worker) =>
    runtime.stop(worker.phone).pipe(
      Effect.andThen(Effect.logInfo("removed a worker nothing wants")),
      Effect.catchCause((cause) => Effect.logWarning("could not remove a worker nothing wants", cause)),
      context.log(worker.phone)
    ), { concurrency: context.options.maxConcurrentStarts, discard: true })
  for (const worker of kept) {
    const hash = yield* Effect.flatMap(context.environment.specFor(worker.phone), runtime.configHash)
    const healthy = (worker.state === "running" || worker.state === "starting") && worker.configHash === hash
    const detail = worker.configHash === hash ? `found ${worker.state}` : "its configuration changed"
    table.workers.set(
      worker.phone,
      tracked(healthy ? "running" : "restarting", {
        lastSeen: now,
        nextAttemptAt: now,
        detail: healthy ? Option.none() : Option.some(detail)
      })
    )
    if (healthy) yield* context.record.phase(worker.phone, "running", { runtimeRef: worker.id })
    yield* Effect.logInfo(healthy ? "adopted a running worker" : "worker to restart").pipe(context.log(worker.phone))
  }
  const present = new Set(workers.map((worker) => worker.phone))
  for (const phone of wanted) {
    if (present.has(phone)) continue
    table.workers.set(phone, tracked("restarting", { nextAttemptAt: now, detail: Option.some("the worker was missing") }))
    yield* Effect.logInfo("worker missing: starting it").pipe(context.log(phone))
  }
  yield* Effect.logInfo("workers reconciled", { found: workers.length, orphans: orphans.length, wanted: wanted.size })
})
