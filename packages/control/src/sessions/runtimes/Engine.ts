/**
 * What the `docker` and `swarm` runtimes share: the engine connection and its errors, the worker image's id, the
 * account's volume and labels, and the settings every engine worker runs with.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import Docker from "dockerode"
import { Duration, Effect, Option, type Redacted, Schedule } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntimeError, describeCause, environmentOf, type RuntimeKind, type WorkerSpec } from "./ContainerRuntime.ts"

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
  /** The engine, or the gate in front of it (`infra/README.md`); Docker's default socket when absent. */
  readonly engine?: EngineAddress | undefined
}

/** Where the engine's API is: a Unix socket, or a TCP address (the engine gate on its own network). */
export type EngineAddress =
  | { readonly _tag: "Socket"; readonly path: string }
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }

/** `unix:///path` or `tcp://host:port`, as `DOCKER_HOST` writes them. */
export const parseAddress = (text: string): Option.Option<EngineAddress> => {
  const url = URL.parse(text)
  if (url?.protocol === "unix:" && url.pathname !== "") return Option.some({ _tag: "Socket", path: url.pathname })
  if (url?.protocol === "tcp:" && url.port !== "") {
    return Option.some({ _tag: "Tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) })
  }
  return Option.none()
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
export const call = <A>(
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

export const connect = (options: EngineOptions): Docker => {
  const { engine } = options
  if (engine === undefined) return new Docker()
  return new Docker(engine._tag === "Socket" ? { socketPath: engine.path } : { host: engine.host, port: engine.port, protocol: "http" })
}

/**
 * A create call's body as dockerode sends it: only as the body, its query only `query`. Otherwise docker-modem
 * copies every field of the body into the URL too, where a worker's secrets would reach the engine's logs, and
 * which the engine gate refuses.
 */
export const bodyOnly = <A extends object>(body: A, query: Readonly<Record<string, string>> = {}) => ({
  ...body,
  _query: query,
  _body: body
})

/** The id of the worker image on this engine: part of the config hash, so a rebuilt image replaces workers. */
export const imageId = (runtime: RuntimeKind, docker: Docker, image: string) =>
  call(runtime, `inspecting image ${image}`, () => docker.getImage(image).inspect(), [404]).pipe(
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
  const existing = yield* call(runtime, "inspecting the volume", () => docker.getVolume(name).inspect(), [404])
  if (Option.isNone(existing)) {
    yield* call(runtime, "creating the volume", () => docker.createVolume(bodyOnly({ Name: name, Labels: labels })))
  }
})

/**
 * Removes the account's volume from this engine: one in use by a container being removed is tried again for a while;
 * one not on this engine (gone already, or on another Swarm node) is answered `false`.
 */
export const removeVolume = Effect.fnUntraced(function*(runtime: RuntimeKind, docker: Docker, phone: PhoneNumber) {
  const name = ContainerNames.volumeName(phone)
  const removed = yield* call(runtime, "removing the volume", () => docker.getVolume(name).remove(), [404]).pipe(
    Effect.retry({
      while: (error) => error.reason === "Refused" && error.message.includes("in use"),
      schedule: Schedule.spaced("500 millis"),
      times: 20
    })
  )
  return Option.isSome(removed)
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
export const environment = (spec: WorkerSpec): Array<string> =>
  Object.entries({ ...environmentOf(spec), DATA_DIR: dataDirectory }).map(([name, value]) => `${name}=${value}`)

/** The settings of an engine worker that enter its config hash, besides its specification. */
export const settings = (options: EngineOptions, image: string) => ({
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

