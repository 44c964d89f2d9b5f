/**
 * The `swarm` runtime (dockerode): one replicated service per account, named, labelled and limited as the
 * `docker` runtime's containers, its status read from its tasks, its secrets passed as a Docker secret, kept on
 * the node holding its volume (`SwarmPlacement`).
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type Docker from "dockerode"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntime, ContainerRuntimeError, dataOwner, specDigest, type Worker, type WorkerSpec } from "./ContainerRuntime.ts"
import * as Engine from "./Engine.ts"
import type { NodePins } from "./NodePins.ts"
import * as SwarmPlacement from "./SwarmPlacement.ts"
import { ensureSecret, removeSecrets, secretsFile } from "./SwarmSecrets.ts"
import { currentTask, type Task, taskState } from "./SwarmTasks.ts"

export interface SwarmRuntimeOptions extends Engine.EngineOptions {
  /** Placement constraints, as `docker service create --constraint` takes them (`node.labels.vigia==true`). */
  readonly constraints: ReadonlyArray<string>
  /** Swarm restarts a failed task after this delay, at most `restartAttempts` times. */
  readonly restartDelay: Duration.Duration
  readonly restartAttempts: number
  /**
   * Run the image by its local id instead of its name: no node tries a registry, which suits a single-node
   * swarm with a locally built image (tests); a cluster pulls by name from its registry and leaves this off.
   */
  readonly imageById: boolean
}

const nanos = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration) * 1_000_000)

/** The service of the worker of `spec`: its image, labels, secret and node already settled. */
const serviceSpec = (
  options: SwarmRuntimeOptions,
  spec: WorkerSpec,
  settled: {
    readonly image: string
    readonly labels: Record<string, string>
    readonly secret: { readonly id: string; readonly name: string }
    readonly node: Option.Option<string>
  }
): Docker.CreateServiceOptions => ({
  Name: ContainerNames.workerName(spec.phone),
  Labels: settled.labels,
  Mode: { Replicated: { Replicas: 1 } },
  TaskTemplate: {
    ContainerSpec: {
      Image: settled.image,
      Labels: settled.labels,
      Env: Engine.environment({ ...spec, secrets: {} }),
      Secrets: [{
        SecretID: settled.secret.id,
        SecretName: settled.secret.name,
        File: { Name: secretsFile, UID: Engine.workerUid, GID: Engine.workerUid, Mode: 0o400 }
      }],
      User: Engine.workerUser,
      Init: true,
      ReadOnly: true,
      StopSignal: "SIGTERM",
      StopGracePeriod: nanos(options.stopGracePeriod),
      CapabilityDrop: ["ALL"],
      Mounts: [
        {
          Type: "volume",
          Source: ContainerNames.volumeName(dataOwner(spec)),
          Target: Engine.dataDirectory,
          VolumeOptions: {
            NoCopy: false,
            Labels: Engine.accountLabels(options, dataOwner(spec)),
            DriverConfig: { Name: "local", Options: {} }
          }
        },
        { Type: "tmpfs", Source: "", Target: "/tmp", TmpfsOptions: { SizeBytes: Engine.tmpfsBytes, Mode: 0o1777 } }
      ]
    },
    Resources: { Limits: { MemoryBytes: options.memoryBytes, Pids: options.pidsLimit } },
    RestartPolicy: {
      Condition: "on-failure",
      Delay: nanos(options.restartDelay),
      MaxAttempts: options.restartAttempts
    },
    Placement: { Constraints: SwarmPlacement.pinnedTo(options.constraints, settled.node) },
    Networks: [{ Target: options.network }],
    LogDriver: { Name: "json-file", Options: { "max-size": "10m", "max-file": "3" } }
  }
})

export const make = Effect.fnUntraced(function*(options: SwarmRuntimeOptions) {
  const docker = Engine.connect(options)
  const placement = yield* SwarmPlacement.make(docker)
  const call = <A>(what: string, f: () => Promise<A>, tolerate: ReadonlyArray<number> = []) =>
    Engine.call("swarm", what, f, tolerate)

  const inspect = (phone: PhoneNumber) =>
    call(
      "inspecting the service",
      (): Promise<Docker.Service> => docker.getService(ContainerNames.workerName(phone)).inspect(),
      [404]
    )

  /** The tasks of the service itself, by its id: a service just removed under the same name keeps its own apart. */
  const tasksOf = (serviceId: string) =>
    call("listing tasks", () => docker.listTasks({ filters: { service: [serviceId] } })).pipe(
      Effect.map(Option.getOrElse((): Array<Task> => []))
    )

  /** The service named for `phone`, if it is ours; one of that name that is not ours is never touched. */
  const ownService = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const service = yield* inspect(phone)
    if (Option.isSome(service) && !Engine.isOurs(options, service.value.Spec?.Labels)) {
      return yield* new ContainerRuntimeError({
        reason: "NameTaken",
        runtime: "swarm",
        message: `a service named ${ContainerNames.workerName(phone)} exists and is not a worker of this deployment`
      })
    }
    return service
  })

  const workerOf = (phone: PhoneNumber, service: Docker.Service, tasks: ReadonlyArray<Task>): Worker => ({
    phone,
    id: service.ID,
    ...taskState(currentTask(tasks)),
    configHash: service.Spec?.Labels?.[ContainerNames.LabelKey.configHash] ?? ""
  })

  const image = Effect.map(Engine.imageId("swarm", docker, options.image), (id) => (options.imageById ? id : options.image))

  const configHash = (spec: WorkerSpec) =>
    Effect.map(Engine.imageId("swarm", docker, options.image), (id) =>
      specDigest(spec, {
        runtime: "swarm",
        constraints: options.constraints,
        restartDelay: Duration.toMillis(options.restartDelay),
        restartAttempts: options.restartAttempts,
        ...Engine.settings(options, id)
      }))

  /** Removes the service and waits until its containers are gone (Swarm removes them after the fact). */
  const remove = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const name = ContainerNames.workerName(phone)
    yield* call("removing the service", () => docker.getService(name).remove(), [404])
    yield* call("listing the service's containers", () =>
      docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${name}`] } })).pipe(
        Effect.map(Option.getOrElse((): Array<Docker.ContainerInfo> => [])),
        Effect.repeat({ while: (containers) => containers.length > 0, schedule: Schedule.spaced("200 millis") }),
        Effect.timeoutOption(Duration.sum(options.stopGracePeriod, Duration.seconds(15)))
      )
    yield* removeSecrets(docker, options, phone)
  })

  const current = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const service = yield* ownService(phone)
    if (Option.isNone(service)) return Option.none<Worker>()
    const tasks = (yield* tasksOf(service.value.ID)).filter((task) => task.ServiceID === service.value.ID)
    return Option.some(workerOf(phone, service.value, tasks))
  })

  const create = Effect.fn("SwarmRuntime.create")(function*(spec: WorkerSpec) {
    const phone = spec.phone
    const hash = yield* configHash(spec)
    const existing = yield* current(phone)
    if (Option.isSome(existing)) {
      if (existing.value.configHash === hash) return existing.value
      yield* Effect.logInfo("replacing a worker service whose configuration changed").pipe(
        Effect.annotateLogs({ phone: mask(phone) })
      )
      yield* remove(phone)
    }
    const labels = ContainerNames.workerLabels({
      deployment: options.deployment,
      accountKey: ContainerNames.accountKey(options.accountKeySecret, phone),
      configHash: hash
    })
    const serviceImage = yield* image
    const secret = yield* ensureSecret(docker, options, spec, hash)
    const node = yield* placement.pinFor({ name: ContainerNames.workerName(phone), accounts: [phone] })
    const created = yield* call("creating the service", () =>
      // No authconfig and API >= 1.30: the engine does not ask a registry for the image's digest.
      docker.createService(serviceSpec(options, spec, { image: serviceImage, labels, secret, node })), [409])
    if (Option.isNone(created)) {
      // Created meanwhile by a concurrent call: report that one.
      const raced = yield* current(phone)
      if (Option.isSome(raced)) return raced.value
    }
    yield* Effect.logInfo("worker service created").pipe(Effect.annotateLogs({ phone: mask(phone) }))
    return Option.getOrElse(yield* current(phone), (): Worker => ({
      phone,
      id: "",
      state: "starting",
      detail: Option.some("waiting for a task"),
      configHash: hash
    }))
  })

  const stop = Effect.fn("SwarmRuntime.stop")(function*(phone: PhoneNumber) {
    const existing = yield* ownService(phone)
    if (Option.isNone(existing)) return
    yield* remove(phone)
    yield* Effect.logInfo("worker service removed").pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  /** The volume on this node; a cluster's other nodes keep theirs (see `docs/ARCHITECTURE.md`, sessions). */
  const removeData = Effect.fn("SwarmRuntime.removeData")(function*(phone: PhoneNumber) {
    const removed = yield* Engine.removeVolume("swarm", docker, phone)
    yield* (removed
      ? Effect.logInfo("worker volume removed")
      : Effect.logWarning("the worker's volume is not on this node: on a cluster, remove it on the node that ran the worker")
    ).pipe(Effect.annotateLogs({ phone: mask(phone) }))
  })

  const list = Effect.gen(function*() {
    const services = yield* call("listing services", () =>
      docker.listServices({ filters: { label: ContainerNames.deploymentFilter(options.deployment) } })).pipe(
        Effect.map(Option.getOrElse((): Array<Docker.Service> => []))
      )
    if (services.length === 0) return []
    const tasks = yield* call("listing tasks", () =>
      docker.listTasks({ filters: { service: services.map((service) => service.ID) } })).pipe(
        Effect.map(Option.getOrElse((): Array<Task & { ServiceID?: string }> => []))
      )
    const listed = services.flatMap((service) =>
      Option.toArray(Option.map(ContainerNames.phoneOfWorkerName(service.Spec?.Name ?? ""), (phone) => ({
        phone,
        service,
        placed: { name: service.Spec?.Name ?? "", accounts: [phone] },
        tasks: tasks.filter((task) => task.ServiceID === service.ID)
      })))
    )
    // Listing (the manager's liveness does, each check) also keeps each service on the node holding its volume.
    yield* placement.reconcile(listed)
    return listed.map(({ phone, service, tasks }) => workerOf(phone, service, tasks))
  })

  return ContainerRuntime.of({ kind: "swarm", configHash, create, stop, status: current, list, removeData })
})

/** The runtime; it records where each worker runs through `NodePins`. */
export const layer = (options: SwarmRuntimeOptions): Layer.Layer<ContainerRuntime, never, NodePins> =>
  Layer.effect(ContainerRuntime, make(options))
