/**
 * The control plane's session side composed in this process from the built packages: the container manager over
 * a runtime (process or docker), the session gateway, the session keys and the queues, with an updates consumer
 * that feeds the manager as the control plane's event processor does. Workers run on the fake or on real TDLib.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as ContainerManager from "@vigia/control/sessions/manager/ContainerManager"
import * as Pools from "@vigia/control/sessions/manager/Pools"
import { SessionStore } from "@vigia/control/sessions/manager/SessionStore"
import { WorkerEnvironment } from "@vigia/control/sessions/manager/WorkerEnvironment"
import { ContainerRuntime, type WorkerSpec } from "@vigia/control/sessions/runtimes/ContainerRuntime"
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import * as DockerRuntime from "@vigia/control/sessions/runtimes/DockerRuntime"
import * as ProcessRuntime from "@vigia/control/sessions/runtimes/ProcessRuntime"
import { SessionGateway } from "@vigia/control/sessions/SessionGateway"
import { SessionKeys } from "@vigia/control/sessions/SessionKeys"
import * as Messages from "@vigia/protocol/Messages"
import { Queue, type QueueError } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import { deleteRedisKeys, queuePrefix, redisUrl } from "./Environment.ts"

export type Driver = "fake" | "tdlib"

export const workerImage = process.env.BENCH_WORKER_IMAGE ?? "vigia/session-worker:latest"
export const masterKey = Redacted.make(`bench-master-${Crypto.randomBytes(8).toString("hex")}`)

/** A fresh, valid Brazilian mobile number. */
export const randomPhone = (): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`5519${Crypto.randomInt(100_000_000, 999_999_999)}`)

/**
 * The worker's environment: real Redis on loopback, a heartbeat every 5 s (the default), and either the fake
 * TDLib or real TDLib kept off the network (`TDL_NETWORK=none`: nothing here may dial Telegram), so its API id and
 * hash are placeholders that TDLib never sends anywhere.
 */
const workerSpec = (prefix: string, driver: Driver) => (phone: PhoneNumber) =>
  Effect.succeed<WorkerSpec>({
    phone,
    environment: {
      PHONE_NUMBER: phone,
      QUEUE_PREFIX: prefix,
      TDL_DRIVER: driver,
      LOG_FORMAT: "json",
      HEARTBEAT_INTERVAL: "5",
      ...(driver === "fake" ? { FAKE_TDL_PORT: "0" } : { TELEGRAM_API_ID: "1", TDL_NETWORK: "none" }),
      // A profile of the workers: BENCH_WORKER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…".
      ...(process.env.BENCH_WORKER_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS })
    },
    secrets: {
      REDIS_URL: Redacted.make(redisUrl),
      SESSION_KEY: SessionKeys.make({ master: masterKey }).keyFor(phone),
      ...(driver === "tdlib" ? { TELEGRAM_API_HASH: Redacted.make("0".repeat(32)) } : {})
    }
  })

/** The manager's record of sessions, in memory: these benchmarks need no PostgreSQL. */
const memorySessions = (): SessionStore["Service"] => {
  const desired = new Map<PhoneNumber, "running" | "stopped">()
  return SessionStore.of({
    wanted: Effect.sync(() => [...desired].filter(([, state]) => state === "running").map(([phone]) => phone)),
    setDesired: (phone, state) => Effect.sync(() => void desired.set(phone, state)),
    setObserved: () => Effect.void,
    heartbeat: () => Effect.void
  })
}

const managerOptions: ContainerManager.ContainerManagerOptions = {
  maxRunning: 10_000,
  maxConcurrentStarts: 8,
  startQueueTimeout: Duration.minutes(30),
  startTimeout: Duration.seconds(60),
  checkInterval: Duration.seconds(1),
  silenceThreshold: Duration.seconds(30),
  restartBackoff: Duration.seconds(2),
  maxBackoff: Duration.seconds(30),
  crashLoopRestarts: 5,
  crashLoopWindow: Duration.minutes(10),
  heartbeatPersistInterval: Duration.seconds(30)
}

export type RuntimeChoice =
  | { readonly _tag: "process"; readonly dataRoot: string }
  | { readonly _tag: "docker" }

/** `base`, its accounts pooled `accountsPerProcess` to a worker (as `WORKER_ACCOUNTS_PER_PROCESS` does). */
const pooled = (base: Layer.Layer<ContainerRuntime, unknown, Queue>, prefix: string, accountsPerProcess: number) =>
  accountsPerProcess <= 1 ? base : Layer.effect(
    ContainerRuntime,
    Effect.gen(function*() {
      const keys = yield* SessionKeys
      return yield* Pools.make(yield* ContainerRuntime, {
        accountsPerProcess,
        deployment: prefix,
        environment: { QUEUE_PREFIX: prefix, LOG_FORMAT: "json" },
        poolKeyFor: keys.keyFor,
        redisUrlFor: () => Option.some(Redacted.make(redisUrl))
      })
    })
  ).pipe(Layer.provide(base))

const runtimeLayer = (runtime: RuntimeChoice, deployment: string) =>
  runtime._tag === "process"
    ? ProcessRuntime.layer({
      entry: ProcessRuntime.defaultEntry,
      dataRoot: runtime.dataRoot,
      deployment,
      stopGracePeriod: Duration.seconds(10)
    })
    : DockerRuntime.layer({
      image: workerImage,
      deployment,
      accountKeySecret: masterKey,
      network: "host",
      memoryBytes: 512 * 1024 * 1024,
      pidsLimit: 256,
      stopGracePeriod: Duration.seconds(10),
      restartRetries: 0
    })

export class Harness extends Context.Service<Harness, {
  /** The queue prefix and deployment label of this harness's workers. */
  readonly prefix: string
  /** Reads the account's updates (so the manager hears its worker), then starts its worker and waits until it runs. */
  readonly start: (
    phone: PhoneNumber
  ) => Effect.Effect<ContainerManager.WorkerStatus, ContainerManager.ContainerManagerError | QueueError>
  readonly stop: (phone: PhoneNumber) => Effect.Effect<void, ContainerManager.ContainerManagerError>
}>()("bench/Workers/Harness") {}

/**
 * The session side of a control plane over `runtime`, with its own queue prefix and deployment label; every worker,
 * container, volume and Redis key it made is removed when the layer closes.
 */
export const layer = (options: {
  readonly name: string
  readonly runtime: RuntimeChoice
  readonly driver: Driver
  /** Accounts to a pool (1, the default: each in a worker of its own). */
  readonly accountsPerProcess?: number
  /** Starts at once (8 by default). */
  readonly maxConcurrentStarts?: number
}) => {
  const prefix = queuePrefix(`${options.name}${Crypto.randomBytes(2).toString("hex")}`)
  const base = Layer.mergeAll(
    Queue.layerBullMq({ redisUrl: Redacted.make(redisUrl), prefix }),
    SessionKeys.layer({ master: masterKey })
  )
  const manager = ContainerManager.layer({
    ...managerOptions,
    maxConcurrentStarts: options.maxConcurrentStarts ?? managerOptions.maxConcurrentStarts
  }).pipe(
    Layer.provide(Layer.mergeAll(
      pooled(runtimeLayer(options.runtime, prefix), prefix, options.accountsPerProcess ?? 1),
      Layer.succeed(SessionStore, memorySessions()),
      Layer.succeed(WorkerEnvironment, WorkerEnvironment.of({ specFor: workerSpec(prefix, options.driver) }))
    ))
  )
  const harness = Layer.effect(
    Harness,
    Effect.gen(function*() {
      const queue = yield* Queue
      const containers = yield* ContainerManager.ContainerManager
      // What the control plane's event processor does for the manager: every update read is handed to `observe`.
      const updates = yield* queue.consumeSet(Messages.UpdateMessage, (message) => containers.observe(message))
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          const workers = yield* Effect.orDie(containers.list)
          yield* Effect.forEach(workers, (worker) => Effect.ignore(containers.stop(worker.phone)), {
            concurrency: 8,
            discard: true
          })
          if (options.runtime._tag === "docker") yield* removeDockerResources(prefix)
          yield* deleteRedisKeys(prefix)
        })
      )
      return Harness.of({
        prefix,
        start: (phone) =>
          updates.add(QueueNames.updatesQueue(phone)).pipe(Effect.andThen(containers.start(phone))),
        stop: containers.stop
      })
    })
  )
  return harness.pipe(
    Layer.provideMerge(SessionGateway.layer({ timeout: Duration.seconds(10) })),
    Layer.provideMerge(manager),
    Layer.provideMerge(base)
  )
}

/** Containers and volumes labelled with the deployment, as the docker runtime labels them. */
const removeDockerResources = (deployment: string) =>
  Effect.sync(() => {
    const filter = `label=${ContainerNames.LabelKey.deployment}=${deployment}`
    const list = (args: ReadonlyArray<string>) =>
      ChildProcess.execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter((line) => line !== "")
    const containers = list(["ps", "-aq", "--filter", filter])
    if (containers.length > 0) ChildProcess.execFileSync("docker", ["rm", "-f", ...containers])
    const volumes = list(["volume", "ls", "-q", "--filter", filter])
    if (volumes.length > 0) ChildProcess.execFileSync("docker", ["volume", "rm", "-f", ...volumes])
  }).pipe(Effect.catch(() => Effect.void))
