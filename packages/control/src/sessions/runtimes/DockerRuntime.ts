/**
 * The `docker` runtime (dockerode): one container per account, `vigia-session-{phone}`, with the named volume
 * `vigia-session-{phone}-data` at `/user-data`, labels that let a restarted control plane find it, a restart
 * policy, memory and pids limits, a non-root user and a read-only root filesystem.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type Docker from "dockerode"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntime, ContainerRuntimeError, dataOwner, specDigest, type Worker, type WorkerSpec, type WorkerState } from "./ContainerRuntime.ts"
import * as Engine from "./Engine.ts"

export interface DockerRuntimeOptions extends Engine.EngineOptions {
  /** How often Docker itself restarts a worker that exits with an error, before the manager steps in. */
  readonly restartRetries: number
}

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

/** The container of the worker of `spec`, labelled with its config hash. */
const containerSpec = (options: DockerRuntimeOptions, spec: WorkerSpec, hash: string): Docker.ContainerCreateOptions => ({
  name: ContainerNames.workerName(spec.phone),
  Image: options.image,
  Env: Engine.environment(spec),
  Labels: ContainerNames.workerLabels({
    deployment: options.deployment,
    accountKey: ContainerNames.accountKey(options.accountKeySecret, spec.phone),
    configHash: hash
  }),
  User: Engine.workerUser,
  StopSignal: "SIGTERM",
  StopTimeout: Math.ceil(Duration.toSeconds(options.stopGracePeriod)),
  HostConfig: {
    // Docker's init as PID 1 forwards signals: a worker stopped before it installed its SIGTERM handler
    // ends at once instead of after the grace period (PID 1 ignores signals it does not handle).
    Init: true,
    NetworkMode: options.network,
    Mounts: [{ Type: "volume", Source: ContainerNames.volumeName(dataOwner(spec)), Target: Engine.dataDirectory }],
    RestartPolicy: { Name: "on-failure", MaximumRetryCount: options.restartRetries },
    Memory: options.memoryBytes,
    MemorySwap: options.memoryBytes,
    PidsLimit: options.pidsLimit,
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": `rw,noexec,nosuid,size=${Engine.tmpfsBytes}` },
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } }
  }
})

export const make = Effect.fnUntraced(function*(options: DockerRuntimeOptions) {
  const docker = Engine.connect(options)
  const call = <A>(what: string, f: () => Promise<A>, tolerate: ReadonlyArray<number> = []) =>
    Engine.call("docker", what, f, tolerate)

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
    if (Option.isSome(info) && !Engine.isOurs(options, info.value.Config.Labels ?? undefined)) {
      return yield* new ContainerRuntimeError({
        reason: "NameTaken",
        runtime: "docker",
        message: `a container named ${ContainerNames.workerName(phone)} exists and is not a worker of this deployment`
      })
    }
    return info
  })

  const configHash = (spec: WorkerSpec) =>
    Effect.map(Engine.imageId("docker", docker, options.image), (id) =>
      specDigest(spec, { runtime: "docker", restartRetries: options.restartRetries, ...Engine.settings(options, id) }))

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
    yield* Engine.ensureVolume("docker", docker, dataOwner(spec), Engine.accountLabels(options, dataOwner(spec)))
    const created = yield* call("creating the container", () => {
      const container = containerSpec(options, spec, hash)
      const { name, ...body } = container
      return docker.createContainer(Engine.bodyOnly(body, { name: name ?? ContainerNames.workerName(phone) }))
    }, [409])
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

  const removeData = Effect.fn("DockerRuntime.removeData")(function*(phone: PhoneNumber) {
    if (yield* Engine.removeVolume("docker", docker, phone)) {
      yield* Effect.logInfo("worker volume removed").pipe(Effect.annotateLogs({ phone: mask(phone) }))
    }
  })

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

  return ContainerRuntime.of({ kind: "docker", configHash, create, stop, status, list, removeData })
})

export const layer = (options: DockerRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
