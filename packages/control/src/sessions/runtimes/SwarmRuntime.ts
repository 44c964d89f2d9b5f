/**
 * The `swarm` runtime (dockerode): one replicated service per account, named and labelled as the `docker`
 * runtime names its containers, with the same limits and volume; its status read from its tasks the way
 * JupyterHub's SwarmSpawner does: pending states are starting, running is running, a failure is the engine's error.
 * The worker's secrets travel as a Swarm secret (an env file the image's `node --env-file-if-exists` reads),
 * never as environment variables that `docker service inspect` would show.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type Docker from "dockerode"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntime, ContainerRuntimeError, specDigest, type Worker, type WorkerSpec, type WorkerState } from "./ContainerRuntime.ts"
import {
  connect,
  dataDirectory,
  engineCall,
  engineEnvironment,
  type EngineOptions,
  engineSettings,
  accountLabels,
  imageId,
  isOurs,
  tmpfsBytes,
  workerUid,
  workerUser
} from "./DockerRuntime.ts"

export interface SwarmRuntimeOptions extends EngineOptions {
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

/** A task's lifecycle (moby `api/types/swarm/task.go`). */
const pendingStates = new Set(["new", "pending", "assigned", "accepted", "ready", "preparing", "starting"])
const failedStates = new Set(["failed", "rejected"])

export interface Task {
  readonly CreatedAt?: string
  readonly DesiredState?: string
  readonly Status?: { readonly State?: string; readonly Message?: string; readonly Err?: string }
}

/** Where the image's command looks for secrets (`node --env-file-if-exists=/run/secrets/worker.env`). */
export const secretsFile = "worker.env"

/**
 * A value quoted for Node's env-file parser: single quotes keep it literal; a value holding one takes backticks,
 * then double quotes if it has no backslash (double quotes expand `\n`). A line break cannot be passed, nor
 * text that is not well-formed Unicode (the file is UTF-8).
 */
export const quoteEnvValue = (value: string): Option.Option<string> => {
  if (/[\r\n]/.test(value) || !value.isWellFormed()) return Option.none()
  if (!value.includes("'")) return Option.some(`'${value}'`)
  if (!value.includes("`")) return Option.some(`\`${value}\``)
  if (!value.includes("\"") && !value.includes("\\")) return Option.some(`"${value}"`)
  return Option.none()
}

const nanos = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration) * 1_000_000)

/** The task that tells the service's state: the newest one meant to run, else the newest of all. */
export const currentTask = (tasks: ReadonlyArray<Task>): Option.Option<Task> => {
  const newestFirst = [...tasks].sort((a, b) => (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""))
  return Option.orElse(
    Option.fromNullishOr(newestFirst.find((task) => task.DesiredState === "running")),
    () => Option.fromNullishOr(newestFirst[0])
  )
}

/** A task's state as a worker's: still pending is starting (never failed), a failure carries Docker's error. */
export const taskState = (task: Option.Option<Task>): { state: WorkerState; detail: Option.Option<string> } => {
  if (Option.isNone(task)) return { state: "starting", detail: Option.some("waiting for a task") }
  const state = task.value.Status?.State ?? "new"
  const message = task.value.Status?.Message ?? ""
  if (state === "running") return { state: "running", detail: Option.none() }
  if (pendingStates.has(state)) return { state: "starting", detail: Option.some(`${state}: ${message}`) }
  if (failedStates.has(state)) {
    return { state: "failed", detail: Option.some(task.value.Status?.Err ?? (message === "" ? state : message)) }
  }
  return { state: "exited", detail: Option.some(`${state}: ${message}`) }
}

export const make = Effect.fnUntraced(function*(options: SwarmRuntimeOptions) {
  const docker = connect(options)
  const call = <A>(what: string, f: () => Promise<A>, tolerate: ReadonlyArray<number> = []) =>
    engineCall("swarm", what, f, tolerate)

  const inspect = (phone: PhoneNumber) =>
    call(
      "inspecting the service",
      (): Promise<Docker.Service> => docker.getService(ContainerNames.workerName(phone)).inspect(),
      [404]
    )

  const tasksOf = (serviceName: string) =>
    call("listing tasks", () => docker.listTasks({ filters: { service: [serviceName] } })).pipe(
      Effect.map(Option.getOrElse((): Array<Task> => []))
    )

  /** The service named for `phone`, if it is ours; one of that name that is not ours is never touched. */
  const ownService = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const service = yield* inspect(phone)
    if (Option.isSome(service) && !isOurs(options, service.value.Spec?.Labels)) {
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

  /** The env file of the worker's secrets, one `NAME='value'` line each. */
  const secretsEnvFile = (spec: WorkerSpec) =>
    Effect.forEach(Object.entries(spec.secrets), ([name, secret]) =>
      Option.match(quoteEnvValue(Redacted.value(secret)), {
        onNone: () =>
          Effect.fail(new ContainerRuntimeError({
            reason: "Refused",
            runtime: "swarm",
            message: `the secret ${name} holds characters that cannot be written to an env file`
          })),
        onSome: (quoted) => Effect.succeed(`${name}=${quoted}\n`)
      })).pipe(Effect.map((lines) => lines.join("")))

  /** The Swarm secret of this specification (its name carries the config hash, so it never changes in place). */
  const ensureSecret = Effect.fnUntraced(function*(spec: WorkerSpec, hash: string) {
    const name = `${ContainerNames.workerName(spec.phone)}-${hash}`
    const inspectSecret = call("inspecting the secret", (): Promise<Docker.Secret> => docker.getSecret(name).inspect(), [404])
    const existing = yield* inspectSecret
    if (Option.isSome(existing)) return { id: existing.value.ID, name }
    const content = yield* secretsEnvFile(spec)
    yield* call("creating the secret", () =>
      docker.createSecret({
        Name: name,
        Labels: accountLabels(options, spec.phone),
        Data: Buffer.from(content).toString("base64")
      }), [409])
    const created = yield* inspectSecret
    if (Option.isNone(created)) {
      return yield* new ContainerRuntimeError({ reason: "Refused", runtime: "swarm", message: "the secret vanished as it was created" })
    }
    return { id: created.value.ID, name }
  })

  /** Removes the account's secrets once no task uses them. */
  const removeSecrets = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const labels = Object.entries(accountLabels(options, phone)).map(([key, value]) => `${key}=${value}`)
    const secrets = yield* call("listing secrets", () => docker.listSecrets({ filters: { label: labels } })).pipe(
      Effect.map(Option.getOrElse((): Array<Docker.Secret> => []))
    )
    yield* Effect.forEach(secrets, (secret) =>
      call("removing a secret", () => docker.getSecret(secret.ID).remove(), [404]), { discard: true })
  })

  const image = Effect.map(imageId("swarm", docker, options.image), (id) => (options.imageById ? id : options.image))

  const configHash = (spec: WorkerSpec) =>
    Effect.map(imageId("swarm", docker, options.image), (id) =>
      specDigest(spec, {
        runtime: "swarm",
        constraints: options.constraints,
        restartDelay: Duration.toMillis(options.restartDelay),
        restartAttempts: options.restartAttempts,
        ...engineSettings(options, id)
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
    yield* removeSecrets(phone)
  })

  const current = Effect.fnUntraced(function*(phone: PhoneNumber) {
    const service = yield* ownService(phone)
    if (Option.isNone(service)) return Option.none<Worker>()
    const tasks = yield* tasksOf(ContainerNames.workerName(phone))
    return Option.some(workerOf(phone, service.value, tasks))
  })

  const create = Effect.fn("SwarmRuntime.create")(function*(spec: WorkerSpec) {
    const phone = spec.phone
    const name = ContainerNames.workerName(phone)
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
    const secret = yield* ensureSecret(spec, hash)
    const created = yield* call("creating the service", () =>
      // No authconfig and API >= 1.30: the engine does not ask a registry for the image's digest.
      docker.createService({
        Name: name,
        Labels: labels,
        Mode: { Replicated: { Replicas: 1 } },
        TaskTemplate: {
          ContainerSpec: {
            Image: serviceImage,
            Labels: labels,
            Env: engineEnvironment({ ...spec, secrets: {} }),
            Secrets: [{
              SecretID: secret.id,
              SecretName: secret.name,
              File: { Name: secretsFile, UID: workerUid, GID: workerUid, Mode: 0o400 }
            }],
            User: workerUser,
            Init: true,
            ReadOnly: true,
            StopSignal: "SIGTERM",
            StopGracePeriod: nanos(options.stopGracePeriod),
            CapabilityDrop: ["ALL"],
            Mounts: [
              {
                Type: "volume",
                Source: ContainerNames.volumeName(phone),
                Target: dataDirectory,
                VolumeOptions: {
                  NoCopy: false,
                  Labels: accountLabels(options, phone),
                  DriverConfig: { Name: "local", Options: {} }
                }
              },
              { Type: "tmpfs", Source: "", Target: "/tmp", TmpfsOptions: { SizeBytes: tmpfsBytes, Mode: 0o1777 } }
            ]
          },
          Resources: { Limits: { MemoryBytes: options.memoryBytes, Pids: options.pidsLimit } },
          RestartPolicy: {
            Condition: "on-failure",
            Delay: nanos(options.restartDelay),
            MaxAttempts: options.restartAttempts
          },
          Placement: { Constraints: [...options.constraints] },
          Networks: [{ Target: options.network }],
          LogDriver: { Name: "json-file", Options: { "max-size": "10m", "max-file": "3" } }
        }
      }), [409])
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
    return services.flatMap((service) =>
      Option.toArray(Option.map(ContainerNames.phoneOfWorkerName(service.Spec?.Name ?? ""), (phone) =>
        workerOf(phone, service, tasks.filter((task) => task.ServiceID === service.ID))))
    )
  })

  return ContainerRuntime.of({ kind: "swarm", configHash, create, stop, status: current, list })
})

export const layer = (options: SwarmRuntimeOptions) => Layer.effect(ContainerRuntime, make(options))
