import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Duration, Effect, Layer, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import * as InlineRuntime from "../../../src/sessions/runtimes/InlineRuntime.ts"
import { type RuntimeHooks, runtimeSuite } from "./RuntimeSuite.ts"
import { randomDeployment, sessionKey } from "../../support/WorkerHarness.ts"

const deployment = randomDeployment("inline")
const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-inline-runtime-"))
const dataPath = (phone: PhoneNumber, name: string) => Path.join(dataRoot, ContainerNames.volumeName(phone), name)

/** The workers stop with the runtime's layer; the folder is removed after. */
const cleanup = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataRoot, { recursive: true, force: true }))))

const hooks: RuntimeHooks = {
  name: "inline",
  deployment,
  layer: Layer.provideMerge(InlineRuntime.layer({ dataRoot, stopGracePeriod: Duration.seconds(5) }), cleanup),
  queue: Layer.mergeAll(Queue.layerMemory(), SecretBox.layer(sessionKey)),
  identity: (phone) =>
    Effect.flatMap(ContainerRuntime, (runtime) => runtime.status(phone)).pipe(
      Effect.map(Option.match({ onNone: () => "", onSome: (worker) => `${worker.id} ${worker.state}` }))
    ),
  nothingLeft: (phone) =>
    Effect.flatMap(ContainerRuntime, (runtime) => runtime.status(phone)).pipe(Effect.map(Option.isNone)),
  writeData: (phone, name, content) =>
    Effect.sync(() => {
      Fs.mkdirSync(Path.dirname(dataPath(phone, name)), { recursive: true })
      Fs.writeFileSync(dataPath(phone, name), content)
    }),
  readData: (phone, name) => Effect.sync(() => Option.liftThrowable(() => Fs.readFileSync(dataPath(phone, name), "utf8"))())
}

runtimeSuite(hooks)
runtimeSuite(hooks, { accountsPerProcess: 3 })
