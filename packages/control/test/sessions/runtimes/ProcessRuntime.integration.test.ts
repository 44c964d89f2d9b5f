import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { assert, layer } from "@effect/vitest"
import { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { Duration, Effect, Layer, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import * as ProcessRuntime from "../../../src/sessions/runtimes/ProcessRuntime.ts"
import * as Pools from "../../../src/sessions/manager/Pools.ts"
import * as Pooling from "./Pooling.ts"
import { type RuntimeHooks, runtimeSuite } from "./RuntimeSuite.ts"
import { ping, queueLayer, randomDeployment, randomPhone, stopWorkersAtEnd, workerSpecFor } from "../../support/WorkerHarness.ts"

const deployment = randomDeployment("process")

/** The process exists and is not a zombie (a child that exited is one until Node reaps it). */
const isRunning = (pid: number) =>
  Option.liftThrowable(() => Fs.readFileSync(`/proc/${pid}/stat`, "utf8"))().pipe(
    Option.exists((stat) => !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)))
  )

const pidOf = (phone: PhoneNumber) =>
  Effect.flatMap(ContainerRuntime, (runtime) => runtime.status(phone)).pipe(
    Effect.map(Option.match({ onNone: () => 0, onSome: (worker) => Number(worker.id) }))
  )

const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-process-runtime-"))
const dataPath = (phone: PhoneNumber, name: string) => Path.join(dataRoot, ContainerNames.volumeName(phone), name)
const recordPath = (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.json`)

const cleanup = stopWorkersAtEnd(deployment, dataRoot)

const runtime = Layer.provideMerge(
  cleanup,
  ProcessRuntime.layer({ entry: ProcessRuntime.defaultEntry, dataRoot, deployment, stopGracePeriod: Duration.seconds(5) })
)

const hooks: RuntimeHooks = {
  name: "process",
  deployment,
  layer: runtime,
  identity: (phone) => Effect.map(pidOf(phone), String),
  kill: (phone) => Effect.flatMap(pidOf(phone), (pid) => Effect.sync(() => process.kill(pid, "SIGKILL"))),
  removeByHand: (phone) =>
    Effect.flatMap(pidOf(phone), (pid) =>
      Effect.sync(() => {
        process.kill(pid, "SIGKILL")
        Fs.rmSync(recordPath(phone))
      })),
  nothingLeft: (phone, pid) =>
    Effect.sync(() =>
      !isRunning(Number(pid)) && !Fs.existsSync(recordPath(phone))
    ),
  writeData: (phone, name, content) =>
    Effect.sync(() => {
      Fs.mkdirSync(Path.dirname(dataPath(phone, name)), { recursive: true })
      Fs.writeFileSync(dataPath(phone, name), content)
    }),
  readData: (phone, name) => Effect.sync(() => Option.liftThrowable(() => Fs.readFileSync(dataPath(phone, name), "utf8"))()),
  // Workers yield the CPU to the control plane (where the kernel has scheduler autogroups).
  verifyWorker: (phone) =>
    Effect.sync(() => {
      const { pid } = JSON.parse(Fs.readFileSync(recordPath(phone), "utf8")) as { readonly pid: number }
      const autogroup = Option.liftThrowable(() => Fs.readFileSync(`/proc/${pid}/autogroup`, "utf8"))()
      if (Option.isSome(autogroup)) assert.match(autogroup.value, new RegExp(`nice ${ProcessRuntime.workerAutogroupNice}\\b`))
    })
}

runtimeSuite(hooks)
runtimeSuite(hooks, { accountsPerProcess: 3 })

const pooledMode = { accountsPerProcess: 3, erasureTimeout: Duration.seconds(3) }

layer(Layer.provideMerge(Pooling.runtimeOf(hooks, pooledMode), queueLayer(deployment)), { timeout: "2 minutes", excludeTestServices: true })(
  "process runtime, a pooled erasure",
  (it) => {
    it.effect("a pool that cannot acknowledge (SIGSTOP) fails the erasure as Unavailable and keeps the folder; the erasure is not carried out later, and a retry erases", () =>
      Effect.gen(function*() {
        const runtime = yield* ContainerRuntime
        const queue = yield* Queue
        const { readData, writeData } = Pooling.placement(hooks, pooledMode)
        const [alice, bob] = [randomPhone(), randomPhone()]
        for (const phone of [alice, bob]) yield* runtime.create(yield* workerSpecFor(deployment)(phone))
        yield* Effect.forEach([alice, bob], ping, { discard: true })
        const pool = yield* Pooling.poolOf(deployment, alice)
        const pid = yield* pidOf(pool)
        yield* writeData(alice, "marker", "alice")
        yield* runtime.stop(alice)
        process.kill(pid, "SIGSTOP")
        const failed = yield* Effect.flip(runtime.removeData(alice)).pipe(
          Effect.ensuring(Effect.sync(() => process.kill(pid, "SIGCONT")))
        )
        assert.strictEqual(failed.reason, "Unavailable")
        assert.strictEqual(yield* queue.readNote(pool, Roster.erasuresNote), undefined, "the erasure is taken off the note")
        yield* Effect.sleep("1 second")
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.some("alice"), "the resumed pool erases nothing")
        yield* runtime.removeData(alice)
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.none())
        assert.strictEqual(yield* pidOf(pool), pid, "the pool went on")
        yield* runtime.stop(bob)
      }))
  }
)

layer(Layer.provideMerge(runtime, queueLayer(deployment)), { timeout: "2 minutes", excludeTestServices: true })(
  "process runtime, pools over it after a control plane restart",
  (it) => {
    it.effect("a new control plane drops the erasures the one before left unfinished: the account's folder, in use again, is kept", () =>
      Effect.gen(function*() {
        const base = yield* ContainerRuntime
        const queue = yield* Queue
        const { readData, writeData } = Pooling.placement(hooks, pooledMode)
        const [alice, bob] = [randomPhone(), randomPhone()]
        const first = yield* Pools.make(base, Pooling.poolOptions(hooks, pooledMode))
        yield* first.create(yield* workerSpecFor(deployment)(alice))
        yield* ping(alice)
        const pool = yield* Pooling.poolOf(deployment, alice)
        yield* writeData(alice, "marker", "alice")
        // The control plane before stopped in the middle of an erasure of Alice, its note left behind.
        yield* queue.writeNote(pool, Roster.erasuresNote, Roster.encodeErasures([alice]))

        const second = yield* Pools.make(base, Pooling.poolOptions(hooks, pooledMode))
        yield* second.create(yield* workerSpecFor(deployment)(bob))
        yield* ping(bob)
        assert.strictEqual(yield* Pooling.poolOf(deployment, bob), pool, "Bob joined Alice's pool: it read its roster again")
        yield* Effect.sleep("1 second")
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.some("alice"))
        yield* ping(alice)
        yield* Effect.forEach([alice, bob], second.stop, { discard: true })
      }))
  }
)
