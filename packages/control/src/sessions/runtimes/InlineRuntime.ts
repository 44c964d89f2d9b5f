/**
 * The `inline` runtime: each account's worker runs as fibers inside the control process, over the control
 * plane's own `Queue` (the in-memory one when no Redis is configured): the embedded single-machine mode.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, ConfigProvider, Duration, Effect, Exit, Fiber, Layer, Option, Predicate, Scope } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ContainerNames from "./ContainerNames.ts"
import {
  ContainerRuntime,
  ContainerRuntimeError,
  dataOwner,
  describeCause,
  environmentOf,
  specDigest,
  type Worker,
  type WorkerSpec
} from "./ContainerRuntime.ts"

/**
 * The session worker's program, loaded with a dynamic `import()` of this name. Neither program depends on the
 * other (`control` and `session-worker` both build on `protocol`), so `control` has no static import of the
 * worker and no build reference to it: only this runtime reaches it, at run time, where the workspace (or an
 * image with both packages) has it installed. Without it, `create` fails as `NotFound`; the other runtimes
 * never load it.
 */
export const workerProgramModule = "@vigia/session-worker/Program"

export interface InlineRuntimeOptions {
  /** Holds each account's data folder (its `DATA_DIR`). */
  readonly dataRoot: string
  /** How long a stopping worker may take to close TDLib before it is abandoned. */
  readonly stopGracePeriod: Duration.Duration
}

type AnyLayer = Layer.Layer<unknown, unknown, unknown>

interface Running {
  /** The worker's `CONTAINER_ID`: random, so logs never carry the phone number its name holds. */
  readonly id: string
  readonly scope: Scope.Closeable
  readonly fiber: Fiber.Fiber<never, unknown>
  readonly configHash: string
}

const notFound = (message: string) => new ContainerRuntimeError({ reason: "NotFound", runtime: "inline", message })

/** The worker program as one layer: the `layer` its module exports, configured from the provider it is given. */
const loadWorker = Effect.gen(function*() {
  const program = yield* Effect.tryPromise({
    try: (): Promise<unknown> => import(workerProgramModule),
    catch: (cause) => notFound(`the session worker is not installed here: ${describeCause(cause)}`)
  })
  const layer = Predicate.hasProperty(program, "layer") ? program.layer : undefined
  if (!Layer.isLayer(layer)) return yield* notFound("the session worker's program does not export its layer")
  return layer as AnyLayer
})

export const make = Effect.fnUntraced(function*(options: InlineRuntimeOptions) {
  const queue = yield* Queue
  const dataRoot = Path.resolve(options.dataRoot)
  const workers = new Map<PhoneNumber, Running>()
  let program: Option.Option<AnyLayer> = Option.none()

  const workerProgram = Effect.suspend(() =>
    Option.match(program, {
      onSome: Effect.succeed,
      onNone: () => Effect.tap(loadWorker, (loaded) => Effect.sync(() => (program = Option.some(loaded))))
    })
  )

  const workerOf = (phone: PhoneNumber, running: Running): Worker => {
    const exit = running.fiber.pollUnsafe()
    return {
      phone,
      id: running.id,
      state: exit === undefined ? "running" : Exit.isSuccess(exit) ? "exited" : "failed",
      detail: exit === undefined || Exit.isSuccess(exit)
        ? Option.none()
        : Option.some(Cause.pretty(exit.cause).split("\n")[0] ?? "the worker failed"),
      configHash: running.configHash
    }
  }

  const configHash = (spec: WorkerSpec) => Effect.succeed(specDigest(spec, { runtime: "inline" }))

  const dataDirOf = (phone: PhoneNumber) => Path.join(dataRoot, ContainerNames.volumeName(phone))

  const removeData = Effect.fn("InlineRuntime.removeData")(function*(phone: PhoneNumber) {
    const dataDir = dataDirOf(phone)
    yield* Effect.try({
      try: () => Fs.rmSync(dataDir, { recursive: true, force: true }),
      catch: (cause) => new ContainerRuntimeError({ reason: "Refused", runtime: "inline", message: `cannot remove ${dataDir}: ${String(cause)}` })
    })
  })

  const stop = Effect.fn("InlineRuntime.stop")(function*(phone: PhoneNumber) {
    const running = workers.get(phone)
    if (running === undefined) return
    workers.delete(phone)
    const closed = yield* Scope.close(running.scope, Exit.void).pipe(Effect.timeoutOption(options.stopGracePeriod))
    if (Option.isNone(closed)) {
      yield* Effect.logWarning("worker did not stop in its grace period: abandoned").pipe(
        Effect.annotateLogs({ phone: mask(phone) })
      )
    }
  })

  const create = Effect.fn("InlineRuntime.create")(function*(spec: WorkerSpec) {
    const phone = spec.phone
    const hash = yield* configHash(spec)
    const existing = workers.get(phone)
    if (existing !== undefined) {
      if (existing.configHash === hash && existing.fiber.pollUnsafe() === undefined) return workerOf(phone, existing)
      yield* stop(phone)
    }
    const layer = yield* workerProgram
    const dataDir = dataDirOf(dataOwner(spec))
    yield* Effect.try({
      try: () => Fs.mkdirSync(dataDir, { recursive: true }),
      catch: (cause) => new ContainerRuntimeError({ reason: "Refused", runtime: "inline", message: `cannot create ${dataDir}: ${String(cause)}` })
    })
    const id = ContainerNames.anonymousId("inline")
    const env = {
      ...environmentOf(spec),
      DATA_DIR: dataDir,
      CONTAINER_ID: id
    }
    const scope = yield* Scope.make()
    // The loaded layers need exactly what is provided here (its configuration, the queue, a file system); the
    // module boundary erased their types, so a missing service would surface as this worker's failure.
    const launched = Layer.launch(layer).pipe(
      Effect.provide(Layer.mergeAll(
        ConfigProvider.layer(ConfigProvider.fromEnv({ env })),
        Layer.succeed(Queue, queue),
        NodeFileSystem.layer
      ))
    ) as Effect.Effect<never, unknown>
    const fiber = yield* launched.pipe(
      Effect.tapCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("inline worker stopped", cause)
      ),
      Effect.forkIn(scope)
    )
    const running: Running = { id, scope, fiber, configHash: hash }
    workers.set(phone, running)
    yield* Effect.logInfo("inline worker started").pipe(Effect.annotateLogs({ phone: mask(phone) }))
    return workerOf(phone, running)
  })

  const status = (phone: PhoneNumber) =>
    Effect.sync(() => Option.map(Option.fromNullishOr(workers.get(phone)), (running) => workerOf(phone, running)))

  const list = Effect.sync(() => [...workers].map(([phone, running]) => workerOf(phone, running)))

  // Inline workers live and die with the control plane: each closes TDLib as it stops.
  yield* Effect.addFinalizer(() => Effect.forEach([...workers.keys()], stop, { concurrency: "unbounded", discard: true }))

  return ContainerRuntime.of({ kind: "inline", configHash, create, stop, status, list, removeData })
})

export const layer = (options: InlineRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
