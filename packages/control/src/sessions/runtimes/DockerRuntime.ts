/**
 * The `docker` runtime (dockerode): one container per account, `vigia-session-{phone}`, with the named volume
 * `vigia-session-{phone}-data` at `/user-data`, labels that let a restarted control plane find it, a restart
 * policy, memory and pids limits, a non-root user and a read-only root filesystem.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import Docker from "dockerode"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import {
  ContainerRuntime,
  ContainerRuntimeError,
  describeCause,
  environmentOf,
  type RuntimeKind,
  specDigest,
  type Worker,
  type WorkerSpec,
  type WorkerState
} from "./ContainerRuntime.ts"

/** What the `docker` and `swarm` runtimes share. */
export interface EngineOptions {
  /** The session worker's image (`infra/Dockerfile`, target `session-worker`). */
  readonly image: string
  readonly deployment: string
  /** The keyed hash of the account label is made with it (`ContainerNames.accountKey`). */
  readonly accountKeySecret: Redacted.Redacted<string>
  /** `host` (tests), `bridge`, or a network the worker reaches Redis on. */
  readonly network: string
  readonly memoryBytes: number
  readonly pidsLimit: number
  readonly stopGracePeriod: Duration.Duration
  /** The engine's socket; Docker's default (`DOCKER_HOST` or `/var/run/docker.sock`) when absent. */
  readonly socketPath?: string
}

export interface DockerRuntimeOptions extends EngineOptions {
  /** How often Docker itself restarts a worker that exits with an error, before the manager steps in. */
  readonly restartRetries: number
}

/** The image's `node` account (uid and gid 1000): never root. */
export const workerUid = "1000"
export const workerUser = `${workerUid}:${workerUid}`
/** Where the account's volume is mounted: the worker's `DATA_DIR`. */
export const dataDirectory = "/user-data"
export const tmpfsBytes = 64 * 1024 * 1024

export const statusCodeOf = (cause: unknown): number | undefined =>
  typeof cause === "object" && cause !== null && "statusCode" in cause && typeof cause.statusCode === "number"
    ? cause.statusCode
    : undefined

/**
 * Calls the engine: statuses in `tolerate` give none (a 404 when looking something up, a 304 when stopping a
 * stopped container), an unreachable engine is `Unavailable`, anything else the engine refused is `Refused`.
 */
export const engineCall = <A>(
  runtime: RuntimeKind,
  what: string,
  f: () => Promise<A>,
  tolerate: ReadonlyArray<number> = []
): Effect.Effect<Option.Option<A>, ContainerRuntimeError> =>
  Effect.tryPromise({ try: () => f(), catch: (cause) => cause }).pipe(
    Effect.map(Option.some),
    Effect.catch((cause) => {
      const status = statusCodeOf(cause)
      if (status !== undefined && tolerate.includes(status)) return Effect.succeed(Option.none<A>())
      return Effect.fail(
        new ContainerRuntimeError({
          reason: status === undefined ? "Unavailable" : status === 404 ? "NotFound" : "Refused",
          runtime,
          message: `${what}: ${describeCause(cause)}`
        })
      )
    })
  )

export const connect = (options: EngineOptions): Docker =>
  new Docker(options.socketPath === undefined ? undefined : { socketPath: options.socketPath })

/** The id of the worker image on this engine: part of the config hash, so a rebuilt image replaces workers. */
export const imageId = (runtime: RuntimeKind, docker: Docker, image: string) =>
  engineCall(runtime, `inspecting image ${image}`, () => docker.getImage(image).inspect(), [404]).pipe(
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(
          new ContainerRuntimeError({
            reason: "NotFound",
            runtime,
            message: `the image ${image} is not on this engine (build it with infra/scripts/prepare-engine.sh)`
          })
        ),
      onSome: (info) => Effect.succeed(info.Id)
    }))
  )

/** The account's volume, created with our labels when missing; an existing one is kept as it is. */
export const ensureVolume = Effect.fnUntraced(function*(
  runtime: RuntimeKind,
  docker: Docker,
  phone: PhoneNumber,
  labels: Record<string, string>
) {
  const name = ContainerNames.volumeName(phone)
  const existing = yield* engineCall(runtime, "inspecting the volume", () => docker.getVolume(name).inspect(), [404])
  if (Option.isNone(existing)) {
    yield* engineCall(runtime, "creating the volume", () => docker.createVolume({ Name: name, Labels: labels }))
  }
})

/** The labels of an account's volume (and Swarm secret): who owns it, never what runs on it. */
export const accountLabels = (options: EngineOptions, phone: PhoneNumber): Record<string, string> => {
  const { [ContainerNames.LabelKey.configHash]: _configHash, ...labels } = ContainerNames.workerLabels({
    deployment: options.deployment,
    accountKey: ContainerNames.accountKey(options.accountKeySecret, phone),
    configHash: ""
  })
  return labels
}

/**
 * The worker's environment as Docker wants it, with the settings every engine worker shares. No
 * `CONTAINER_ID`: the worker then reports its hostname, the engine's container id, which names no phone.
 */
export const engineEnvironment = (spec: WorkerSpec): Array<string> =>
  Object.entries({ ...environmentOf(spec), DATA_DIR: dataDirectory }).map(([name, value]) => `${name}=${value}`)

/** The settings of an engine worker that enter its config hash, besides its specification. */
export const engineSettings = (options: EngineOptions, image: string) => ({
  image,
  network: options.network,
  memoryBytes: options.memoryBytes,
  pidsLimit: options.pidsLimit,
  stopGracePeriod: Duration.toMillis(options.stopGracePeriod),
  user: workerUser
})

/** True when `labels` mark a worker of this deployment. */
export const isOurs = (options: EngineOptions, labels: Record<string, string> | undefined): boolean =>
  labels?.[ContainerNames.LabelKey.role] === ContainerNames.workerRole &&
  labels[ContainerNames.LabelKey.deployment] === options.deployment

const containerState = (state: Docker.ContainerInspectInfo["State"]): { state: WorkerState; detail: Option.Option<string> } => {
  if (state.Restarting) return { state: "starting", detail: Option.some(`restarting after exit code ${state.ExitCode}`) }
  if (state.Running) {
    return { state: "running", detail: Option.map(Option.fromNullishOr(state.Health?.Status), (health) => `health: ${health}`) }
  }
  if (state.Status === "created") return { state: "starting", detail: Option.none() }
  if (state.Error !== "") return { state: "failed", detail: Option.some(state.Error) }
  if (state.OOMKilled) return { state: "exited", detail: Option.some("killed: out of memory") }
  return { state: "exited", detail: Option.some(`${state.Status}, exit code ${state.ExitCode}`) }
}

const listedState = (state: string): WorkerState =>
  state === "running" ? "running" : state === "created" || state === "restarting" ? "starting" : "exited"

export const make = Effect.fnUntraced(function*(options: DockerRuntimeOptions) {
  const docker = connect(options)
  const call = <A>(what: string, f: () => Promise<A>, tolerate: ReadonlyArray<number> = []) =>
    engineCall("docker", what, f, tolerate)

  const inspect = (phone: PhoneNumber) =>
    call("inspecting the container", () => docker.getContainer(ContainerNames.workerName(phone)).inspect(), [404])

  const workerOf = (phone: PhoneNumber, info: Docker.ContainerInspectInfo): Worker => ({
    phone,
    id: info.Id,
    ...containerState(info.State),
    configHash: info.Config.Labels?.[ContainerNames.LabelKey.configHash] ?? ""
  })

  /** The container named for `phone`, if it is ours; one of that name that is not ours is never touched. */
  const ownContainer = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const info = yield* inspect(phone)
    if (Option.isSome(info) && !isOurs(options, info.value.Config.Labels ?? undefined)) {
      return yield* new ContainerRuntimeError({
        reason: "NameTaken",
        runtime: "docker",
        message: `a container named ${ContainerNames.workerName(phone)} exists and is not a worker of this deployment`
      })
    }
    return info
  })

  const configHash = (spec: WorkerSpec) =>
    Effect.map(imageId("docker", docker, options.image), (id) =>
      specDigest(spec, { runtime: "docker", restartRetries: options.restartRetries, ...engineSettings(options, id) }))

  const remove = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const container = docker.getContainer(ContainerNames.workerName(phone))
    const grace = Math.ceil(Duration.toSeconds(options.stopGracePeriod))
    yield* call("stopping the container", () => container.stop({ t: grace }), [304, 404])
    yield* call("removing the container", () => container.remove({ force: true }), [404, 409])
    // A removal already in progress (409) finishes on its own: wait for the name to be free.
    yield* inspect(phone).pipe(
      Effect.repeat({ while: Option.isSome, schedule: Schedule.spaced("200 millis") }),
      Effect.timeoutOption("10 seconds")
    )
  })

  const start = Effect.fnUntraced(function*(phone: PhoneNumber) {
    yield* call("starting the container", () => docker.getContainer(ContainerNames.workerName(phone)).start(), [304])
    const info = yield* inspect(phone)
    if (Option.isNone(info)) {
      return yield* new ContainerRuntimeError({ reason: "Refused", runtime: "docker", message: "the container vanished as it started" })
    }
    return workerOf(phone, info.value)
  })

  const create = Effect.fn("DockerRuntime.create")(function*(spec: WorkerSpec) {
    const phone = spec.phone
    const hash = yield* configHash(spec)
    const existing = yield* ownContainer(phone)
    if (Option.isSome(existing)) {
      if (existing.value.Config.Labels?.[ContainerNames.LabelKey.configHash] === hash) return yield* start(phone)
      yield* Effect.logInfo("replacing a worker container whose configuration changed").pipe(
        Effect.annotateLogs({ phone: mask(phone) })
      )
      yield* remove(phone)
    }
    yield* ensureVolume("docker", docker, phone, accountLabels(options, phone))
    const created = yield* call("creating the container", () =>
      docker.createContainer({
        name: ContainerNames.workerName(phone),
        Image: options.image,
        Env: engineEnvironment(spec),
        Labels: ContainerNames.workerLabels({
          deployment: options.deployment,
          accountKey: ContainerNames.accountKey(options.accountKeySecret, phone),
          configHash: hash
        }),
        User: workerUser,
        StopSignal: "SIGTERM",
        StopTimeout: Math.ceil(Duration.toSeconds(options.stopGracePeriod)),
        HostConfig: {
          // Docker's init as PID 1 forwards signals: a worker stopped before it installed its SIGTERM handler
          // ends at once instead of after the grace period (PID 1 ignores signals it does not handle).
          Init: true,
          NetworkMode: options.network,
          Mounts: [{ Type: "volume", Source: ContainerNames.volumeName(phone), Target: dataDirectory }],
          RestartPolicy: { Name: "on-failure", MaximumRetryCount: options.restartRetries },
          Memory: options.memoryBytes,
          MemorySwap: options.memoryBytes,
          PidsLimit: options.pidsLimit,
          ReadonlyRootfs: true,
          Tmpfs: { "/tmp": `rw,noexec,nosuid,size=${tmpfsBytes}` },
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } }
        }
      }), [409])
    // 409: someone created it between our look and our create; it is started like any existing one.
    if (Option.isNone(created)) yield* ownContainer(phone)
    const worker = yield* start(phone)
    yield* Effect.logInfo("worker container started").pipe(
      Effect.annotateLogs({ phone: mask(phone), container: worker.id.slice(0, 12) })
    )
    return worker
  })

  const stop = Effect.fn("DockerRuntime.stop")(function*(phone: PhoneNumber) {
    const existing = yield* ownContainer(phone)
    if (Option.isNone(existing)) return
    yield* remove(phone)
    yield* Effect.logInfo("worker container removed").pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  const status = (phone: PhoneNumber) =>
    Effect.map(ownContainer(phone), Option.map((info) => workerOf(phone, info)))

  const list = call("listing containers", () =>
    docker.listContainers({ all: true, filters: { label: ContainerNames.deploymentFilter(options.deployment) } })).pipe(
      Effect.map(Option.getOrElse((): Array<Docker.ContainerInfo> => [])),
      Effect.map((containers) =>
        containers.flatMap((container) =>
          Option.toArray(
            Option.map(
              Option.firstSomeOf((container.Names ?? []).map(ContainerNames.phoneOfWorkerName)),
              (phone): Worker => ({
                phone,
                id: container.Id,
                state: listedState(container.State),
                detail: Option.some(container.Status),
                configHash: container.Labels[ContainerNames.LabelKey.configHash] ?? ""
              })
            )
          )
        )
      )
    )

  return ContainerRuntime.of({ kind: "docker", configHash, create, stop, status, list })
})

export const layer = (options: DockerRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
