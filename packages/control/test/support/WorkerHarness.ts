/**
 * Test helpers for the container manager over real runtimes: random accounts and queue prefixes, the worker's
 * test environment (`TDL_DRIVER=fake`, real Redis), the engine's images and swarm mode, an updates listener
 * that feeds the manager, a command round trip, and the cleanup of everything a test deployment made.
 */
import { Gate } from "@vigia/docker-gate/Gate"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Context, Deferred, Duration, Effect, Exit, Layer, Option, Redacted, Schedule, Schema, Scope } from "effect"
import { Redis } from "ioredis"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import * as ContainerManager from "../../src/sessions/manager/ContainerManager.ts"
import { SessionStore } from "../../src/sessions/manager/SessionStore.ts"
import { WorkerEnvironment } from "../../src/sessions/manager/WorkerEnvironment.ts"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import { ContainerRuntime, type WorkerSpec } from "../../src/sessions/runtimes/ContainerRuntime.ts"

export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"
const repositoryRoot = Url.fileURLToPath(new URL("../../../..", import.meta.url))
/** The worker image the engine tests run: `SESSION_WORKER_IMAGE`, as `prepare-engine.sh` builds it, lets a worktree use its own tag. */
export const workerImage = process.env.SESSION_WORKER_IMAGE ?? "vigia/session-worker:latest"

export const randomPhone = (): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`5519${Crypto.randomInt(100_000_000, 999_999_999)}`)

/** A test run's own deployment label and queue prefix, so cleanup finds exactly what it made. */
export const randomDeployment = (name: string) => `test-${name}-${Crypto.randomBytes(4).toString("hex")}`

export const accountKeySecret = Redacted.make("container-manager-tests")

/** The engine settings the Docker and Swarm runtime tests share: host networking, small limits, a quick stop. */
export const engineTestOptions = (deployment: string) => ({
  image: workerImage,
  deployment,
  accountKeySecret,
  network: "host",
  memoryBytes: 256 * 1024 * 1024,
  pidsLimit: 128,
  stopGracePeriod: Duration.seconds(5)
})
export const sessionKey = Redacted.make(Buffer.alloc(32, 9).toString("base64"))

/** The worker's environment in tests: the fake TDLib, real Redis on loopback, a quick heartbeat. */
export const workerSpecFor = (prefix: string) => (phone: PhoneNumber) =>
  Effect.succeed<WorkerSpec>({
    phone,
    environment: {
      PHONE_NUMBER: phone,
      QUEUE_PREFIX: prefix,
      TDL_DRIVER: "fake",
      FAKE_TDL_PORT: "0",
      LOG_FORMAT: "json",
      HEARTBEAT_INTERVAL: "1"
    },
    secrets: { REDIS_URL: Redacted.make(redisUrl), SESSION_KEY: sessionKey }
  })

/** The worker environment of `workerSpecFor(prefix)`, as the manager reads it. */
export const workerEnvironment = (prefix: string) =>
  WorkerEnvironment.of({ specFor: workerSpecFor(prefix) })

/** Manager timings for tests: a heartbeat a second, silence after five. */
export const managerOptions: ContainerManager.ContainerManagerOptions = {
  maxRunning: 10,
  maxConcurrentStarts: 4,
  startQueueTimeout: Duration.seconds(60),
  startTimeout: Duration.seconds(40),
  checkInterval: Duration.millis(500),
  silenceThreshold: Duration.seconds(6),
  restartBackoff: Duration.millis(500),
  maxBackoff: Duration.seconds(4),
  crashLoopRestarts: 5,
  crashLoopWindow: Duration.minutes(5),
  heartbeatPersistInterval: Duration.seconds(2)
}

/**
 * A container manager of `deployment` over the sessions table and the runtime in context, in a scope of its own:
 * `drop` ends it as a control plane's stop does, leaving its workers running for the next one to adopt.
 */
export const startManager = Effect.fnUntraced(function*(deployment: string) {
  const scope = yield* Scope.make()
  const manager = yield* ContainerManager.layer(managerOptions).pipe(
    Layer.provide(SessionStore.layer),
    Layer.provide(Layer.succeed(WorkerEnvironment, workerEnvironment(deployment))),
    Layer.build,
    Effect.map(Context.get(ContainerManager.ContainerManager)),
    Scope.provide(scope)
  )
  return { manager, drop: Scope.close(scope, Exit.void) }
})

/** A `sessions` table in memory: what the manager wants and saw, for tests that do not need PostgreSQL. */
export const memorySessions = (wanted: Iterable<PhoneNumber> = []) => {
  const desired = new Map<PhoneNumber, "running" | "stopped">([...wanted].map((phone) => [phone, "running"] as const))
  const observed = new Map<PhoneNumber, { readonly state: ContainerManager.WorkerPhase; readonly error?: string }>()
  const heartbeats = new Map<PhoneNumber, Date>()
  const store = SessionStore.of({
    wanted: Effect.sync(() => [...desired].filter(([, state]) => state === "running").map(([phone]) => phone)),
    setDesired: (phone, state) => Effect.sync(() => void desired.set(phone, state)),
    setObserved: (phone, state, details) =>
      Effect.sync(() => void observed.set(phone, details.error === undefined ? { state } : { state, error: details.error })),
    heartbeat: (phone, at) => Effect.sync(() => void heartbeats.set(phone, at))
  })
  return { store, desired, observed, heartbeats }
}

export const queueLayer = (prefix: string) =>
  Layer.mergeAll(
    Queue.layerBullMq({
      redisUrl: Redacted.make(redisUrl),
      prefix,
      idleTimeout: Duration.seconds(5),
      sweepInterval: Duration.seconds(2)
    }),
    SecretBox.layer(sessionKey)
  )

/**
 * Consumes the updates queues of `phones` as the control plane's updates consumer will, handing each update
 * to the manager of the moment (`observe` is read at each message, so a test can swap managers).
 */
export const listenUpdates = Effect.fnUntraced(function*(
  phones: ReadonlyArray<PhoneNumber>,
  observer: () => (message: Messages.UpdateMessage) => Effect.Effect<void>
) {
  const queue = yield* Queue
  const started = new Map<PhoneNumber, number>()
  const set = yield* queue.consumeSet(Messages.UpdateMessage, (message) => {
    if (message.update._tag === "WorkerStarted") started.set(message.phoneNumber, (started.get(message.phoneNumber) ?? 0) + 1)
    return observer()(message)
  })
  yield* Effect.forEach(phones, (phone) => set.add(QueueNames.updatesQueue(phone)), { discard: true })
  return { started: (phone: PhoneNumber) => started.get(phone) ?? 0 }
})

/** Sends `Ping` to the account's worker and waits for its response: the command path works end to end. */
export const ping = Effect.fnUntraced(function*(phone: PhoneNumber) {
  const queue = yield* Queue
  const request = yield* Messages.commandMessage(phone, new Messages.Ping())
  const answered = yield* Deferred.make<Messages.Response>()
  yield* Effect.scoped(Effect.gen(function*() {
    yield* queue.consume(QueueNames.responsesQueue(phone), Messages.Response, (response) =>
      response.requestId === request.requestId ? Deferred.succeed(answered, response) : Effect.void)
    yield* queue.send(QueueNames.commandsQueue(phone), Messages.CommandMessage, request)
    return yield* Deferred.await(answered).pipe(
      Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(new Error("no response to Ping")) })
    )
  })).pipe(Effect.flatMap((response) => Messages.resultOf(request.command, response)))
})

/** Polls `effect` until `done` holds, failing the test after `within`. */
export const eventually = <A, E, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  within: Duration.Input = "30 seconds"
) =>
  effect.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("250 millis") }),
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) })
  )

// ---------------------------------------------------------------------------------------------------------------
// The engine

/** `docker …`, its output trimmed; a failure is a defect of the test. */
export const docker = (...args: ReadonlyArray<string>) =>
  Effect.sync(() => ChildProcess.execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim())

/**
 * The engine gate (`@vigia/docker-gate`) in front of the test engine, on a socket of its own, with the runtime
 * tests' worker template: the `docker` and `swarm` runtime suites reach the engine only through it.
 */
export const engineGate = (deployment: string) => {
  const folder = Path.join(Os.tmpdir(), `vigia-gate-${Crypto.randomBytes(6).toString("hex")}`)
  const socket = Path.join(folder, "gate.sock")
  // Its folder made each time the layer is built and removed as it closes: a file's suites may build it in turn.
  const own = Layer.effectDiscard(Effect.acquireRelease(
    Effect.sync(() => Fs.mkdirSync(folder, { recursive: true, mode: 0o700 })),
    () => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
  ))
  const layer = Gate.layer({
    listen: { _tag: "Unix", path: socket },
    engineSocket: "/var/run/docker.sock",
    template: { image: workerImage, deployment, network: "host", maxMemoryBytes: 256 * 1024 * 1024, maxPids: 256 }
  }).pipe(Layer.provideMerge(own))
  return { engine: { _tag: "Socket", path: socket } as const, layer }
}

let prepared: Promise<void> | undefined

/**
 * The session-worker image, built by `infra/scripts/prepare-engine.sh` once per test process (the script
 * reuses what exists and serialises concurrent callers, so several test files may ask).
 */
export const prepareEngine = Effect.promise(() => {
  prepared ??= new Promise<void>((resolve, reject) => {
    const script = Path.join(repositoryRoot, "infra/scripts/prepare-engine.sh")
    ChildProcess.execFile(script, { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error === null ? resolve() : reject(new Error(`prepare-engine.sh failed:\n${stderr}`)))
  })
  return prepared
})

/** Who is using swarm mode right now, across test processes: one file per user, and a marker if tests started it. */
const swarmUsers = Path.join(Os.tmpdir(), "vigia-swarm-users")
const startedByTests = Path.join(swarmUsers, "initialised-by-tests")

const isAlive = (pid: number) => Option.liftThrowable(() => process.kill(pid, 0))().pipe(Option.isSome)

/**
 * Swarm mode for the scope: initialised on loopback when inactive, and left again once the last test using it,
 * in any test process, is done — so the engine is left as found even when test files run side by side.
 */
export const swarmMode = Effect.acquireRelease(
  Effect.gen(function*() {
    const me = Path.join(swarmUsers, `${process.pid}-${Crypto.randomBytes(4).toString("hex")}`)
    Fs.mkdirSync(swarmUsers, { recursive: true })
    Fs.writeFileSync(me, "")
    const state = yield* docker("info", "--format", "{{.Swarm.LocalNodeState}}")
    if (state !== "active") {
      yield* docker("swarm", "init", "--advertise-addr", "127.0.0.1")
      Fs.writeFileSync(startedByTests, "")
    }
    return me
  }),
  (me) =>
    Effect.gen(function*() {
      Fs.rmSync(me, { force: true })
      const others = Fs.readdirSync(swarmUsers).filter((name) => /^[0-9]+-/.test(name) && isAlive(Number(name.split("-")[0])))
      if (others.length > 0 || !Fs.existsSync(startedByTests)) return
      Fs.rmSync(startedByTests, { force: true })
      yield* Effect.ignore(docker("swarm", "leave", "--force"))
    })
)

/** How many other test processes use swarm mode right now: draining the node would stop their services too. */
export const otherSwarmUsers = Effect.sync(() =>
  Fs.readdirSync(swarmUsers).map((name) => Number(/^([0-9]+)-/.exec(name)?.[1] ?? 0))
    .filter((pid) => pid > 0 && pid !== process.pid && isAlive(pid)).length
)

/** The engine's resources labelled with `deployment`. */
const labelled = (kind: "container" | "volume" | "service" | "secret", deployment: string) => {
  const filter = `label=${ContainerNames.LabelKey.deployment}=${deployment}`
  const args = kind === "container" ? ["ps", "-aq", "--filter", filter] : [kind, "ls", "-q", "--filter", filter]
  return Effect.map(docker(...args), (out) => out.split("\n").filter((line) => line !== ""))
}

/** Removes every service, container and volume of a test deployment, and the Redis keys of its prefix. */
export const cleanup = (deployment: string, prefix: string) =>
  Effect.gen(function*() {
    const swarm = yield* docker("info", "--format", "{{.Swarm.LocalNodeState}}")
    if (swarm === "active") {
      const services = yield* labelled("service", deployment)
      if (services.length > 0) yield* docker("service", "rm", ...services)
    }
    yield* labelled("container", deployment).pipe(
      Effect.repeat({ until: (ids) => ids.length === 0, schedule: Schedule.spaced("500 millis") }),
      Effect.timeoutOption("20 seconds")
    )
    const containers = yield* labelled("container", deployment)
    if (containers.length > 0) yield* docker("rm", "-f", ...containers)
    const volumes = yield* labelled("volume", deployment)
    if (volumes.length > 0) yield* docker("volume", "rm", "-f", ...volumes)
    if (swarm === "active") {
      const secrets = yield* labelled("secret", deployment)
      if (secrets.length > 0) yield* docker("secret", "rm", ...secrets)
    }
    yield* deleteRedisKeys(prefix)
  })

/** Deletes the keys a test prefix left in Redis (BullMQ's queues, streams and failed jobs). */
export const deleteRedisKeys = (prefix: string) =>
  Effect.promise(async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true })
    await redis.connect()
    let cursor = "0"
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== "0")
    await redis.quit()
  })


// ---------------------------------------------------------------------------------------------------------------
// An account's volume, looked at from outside through a short-lived helper container with no network.

const helperImage = "local/debian:bookworm"

const volumeExists = (phone: PhoneNumber) =>
  Effect.map(docker("volume", "ls", "-q", "--filter", `name=^${ContainerNames.volumeName(phone)}$`), (out) => out !== "")

export const writeVolume = (phone: PhoneNumber, name: string, content: string) =>
  docker(
    "run", "--rm", "--network", "none", "--user", "1000:1000", "-e", `CONTENT=${content}`,
    "--mount", `type=volume,source=${ContainerNames.volumeName(phone)},target=/user-data,volume-nocopy`,
    helperImage, "sh", "-c", `printf %s "$CONTENT" > /user-data/${name}`
  ).pipe(Effect.asVoid)

/** None when the volume or the file does not exist (a missing volume is not created by looking). */
export const readVolume = (phone: PhoneNumber, name: string) =>
  Effect.flatMap(volumeExists(phone), (exists) =>
    exists
      ? docker(
        "run", "--rm", "--network", "none",
        "--mount", `type=volume,source=${ContainerNames.volumeName(phone)},target=/user-data,readonly`,
        helperImage, "sh", "-c", `test -f /user-data/${name} && printf '+%s' "$(cat /user-data/${name})" || true`
      ).pipe(Effect.map((out) => (out.startsWith("+") ? Option.some(out.slice(1)) : Option.none<string>())))
      : Effect.succeed(Option.none<string>()))

/** When the suite ends: every worker of the runtime in context stopped, its folder and its Redis keys removed. */
export const stopWorkersAtEnd = (deployment: string, dataRoot: string) =>
  Layer.effectDiscard(Effect.addFinalizer(() =>
    Effect.gen(function*() {
      const runtime = yield* ContainerRuntime
      yield* Effect.forEach(yield* runtime.list, (worker) => runtime.stop(worker.phone), { discard: true })
      yield* deleteRedisKeys(deployment)
      Fs.rmSync(dataRoot, { recursive: true, force: true })
    }).pipe(Effect.orDie)
  ))
