import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { assert } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import * as ProcessRuntime from "../../../src/sessions/runtimes/ProcessRuntime.ts"
import { type RuntimeHooks, runtimeSuite } from "./RuntimeSuite.ts"
import { stopWorkersAtEnd, randomDeployment } from "../../support/WorkerHarness.ts"

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
