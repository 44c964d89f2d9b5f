import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { QueueError, Queue as WorkerQueue } from "@vigia/protocol/Queue"
import { Context, Duration, Effect, Fiber, Layer, Option, Queue, Redacted, Schedule, Schema } from "effect"
import * as ContainerManager from "../../../src/sessions/manager/ContainerManager.ts"
import { SessionStore } from "../../../src/sessions/manager/SessionStore.ts"
import { WorkerEnvironment } from "../../../src/sessions/manager/WorkerEnvironment.ts"
import { ContainerRuntime, specDigest, type Worker, type WorkerSpec } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import { memorySessions } from "../../support/WorkerHarness.ts"

// The manager's policy over a runtime that lives in memory: each "worker" is a record plus, when it is meant
// to behave, a fiber that says WorkerStarted and then beats through an in-memory Queue, as the real session
// worker does.

/** `beatsOnly`: beats but never says WorkerStarted, as a worker adopted after a control restart. */
type Behaviour = "healthy" | "beatsOnly" | "silent" | "dies"

const phone = (digits: string) => Schema.decodeUnknownSync(PhoneNumber)(digits)
const alice = phone("5511900000001")
const bob = phone("5511900000002")
const carol = phone("5511900000003")
const dave = phone("5511900000004")

const makeFakeRuntime = Effect.fnUntraced(function*(behaviourOf: (phone: PhoneNumber) => Behaviour) {
  const workers = new Map<PhoneNumber, Worker>()
  const memory = Context.get(yield* Layer.build(WorkerQueue.layerMemory()), WorkerQueue)
  // Redis as the manager (reading beats) and the workers (writing them) see it: each side can lose it.
  const redis = { readable: true, writable: true }
  const unavailable = new QueueError({ reason: "Unavailable", queue: "(heartbeat)", message: "Redis is unavailable" })
  const queue = WorkerQueue.of({
    ...memory,
    beat: (...args) => (redis.writable ? memory.beat(...args) : Effect.fail(unavailable)),
    lastBeats: (phones) => (redis.readable ? memory.lastBeats(phones) : Effect.fail(unavailable))
  })
  const created = yield* Queue.unbounded<Worker>()
  const calls = { create: 0, stop: 0 }
  let nextId = 1
  const configHash = (spec: WorkerSpec) => Effect.succeed(specDigest(spec, { runtime: "fake" }))
  const runtime = ContainerRuntime.of({
    kind: "process",
    configHash,
    create: (spec) =>
      Effect.gen(function*() {
        const hash = yield* configHash(spec)
        const existing = workers.get(spec.phone)
        if (existing !== undefined && existing.configHash === hash && existing.state === "running") return existing
        calls.create++
        yield* Effect.sleep("10 millis")
        const worker: Worker = {
          phone: spec.phone,
          id: `fake-${nextId++}`,
          state: "running",
          detail: Option.none(),
          configHash: hash
        }
        workers.set(spec.phone, worker)
        yield* Queue.offer(created, worker)
        return worker
      }),
    stop: (phone) => Effect.sync(() => (workers.delete(phone) && calls.stop++, undefined)),
    status: (phone) => Effect.sync(() => Option.fromNullishOr(workers.get(phone))),
    list: Effect.sync(() => [...workers.values()]),
    removeData: () => Effect.void
  })
  const crash = (phone: PhoneNumber, detail: string) =>
    Effect.sync(() => {
      const worker = workers.get(phone)
      if (worker !== undefined) workers.set(phone, { ...worker, state: "exited", detail: Option.some(detail) })
    })
  /** Whom the simulated workers talk to: the manager of the moment, as a real updates queue would. */
  let observer: ContainerManager.ContainerManager["Service"]["observe"] = () => Effect.void
  const say = (phone: PhoneNumber, update: Messages.Update) =>
    Effect.flatMap(Messages.updateMessage(phone, update), (message) => observer(message))
  // Plays each created worker's part, telling the manager what the worker would publish.
  yield* Queue.take(created).pipe(
    Effect.flatMap((worker) => {
      const behaviour = behaviourOf(worker.phone)
      if (behaviour === "silent") return Effect.void
      if (behaviour === "dies") return Effect.forkDetach(Effect.andThen(Effect.sleep("20 millis"), crash(worker.phone, "exit code 1")))
      const alive = Effect.sync(() => workers.get(worker.phone)?.id === worker.id && workers.get(worker.phone)?.state === "running")
      return Effect.gen(function*() {
        yield* Effect.sleep("20 millis")
        if (behaviour === "healthy") yield* say(worker.phone, new Messages.WorkerStarted())
        while (yield* alive) {
          yield* Effect.sleep("40 millis")
          yield* Effect.ignore(queue.beat(worker.phone, "Ready", Duration.millis(120)))
        }
      }).pipe(Effect.forkScoped)
    }),
    Effect.forever,
    Effect.forkScoped
  )
  const attach = (manager: ContainerManager.ContainerManager["Service"]) => Effect.sync(() => (observer = manager.observe))
  return { runtime, queue, workers, calls, crash, attach, redis }
})

let configVersion = "1"
const workerSpec = (phone: PhoneNumber) =>
  Effect.succeed<WorkerSpec>({
    phone,
    environment: { PHONE_NUMBER: phone, TDL_DRIVER: "fake", VERSION: configVersion },
    secrets: { SESSION_KEY: Redacted.make("a-key") }
  })

const baseOptions = {
  maxRunning: 10,
  maxConcurrentStarts: 5,
  startQueueTimeout: Duration.seconds(5),
  startTimeout: Duration.millis(400),
  checkInterval: Duration.millis(30),
  silenceThreshold: Duration.millis(250),
  restartBackoff: Duration.millis(30),
  maxBackoff: Duration.millis(120),
  crashLoopRestarts: 3,
  crashLoopWindow: Duration.seconds(30),
  heartbeatPersistInterval: Duration.millis(50)
} satisfies ContainerManager.ContainerManagerOptions

const setup = Effect.fnUntraced(function*(options: {
  readonly behaviour?: (phone: PhoneNumber) => Behaviour
  readonly sessions?: ReturnType<typeof memorySessions>
  readonly overrides?: Partial<ContainerManager.ContainerManagerOptions>
  readonly fake?: Effect.Success<ReturnType<typeof makeFakeRuntime>>
}) {
  const fake = options.fake ?? (yield* makeFakeRuntime(options.behaviour ?? (() => "healthy")))
  const sessions = options.sessions ?? memorySessions()
  const manager = yield* ContainerManager.make({ ...baseOptions, ...options.overrides }).pipe(
    Effect.provideService(ContainerRuntime, fake.runtime),
    Effect.provideService(WorkerQueue, fake.queue),
    Effect.provideService(SessionStore, sessions.store),
    Effect.provideService(WorkerEnvironment, WorkerEnvironment.of({ specFor: workerSpec }))
  )
  yield* fake.attach(manager)
  return { manager, fake, sessions }
})

const failureReason = <A>(effect: Effect.Effect<A, ContainerManager.ContainerManagerError>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason)

const waitFor = <A, E>(what: string, effect: Effect.Effect<A, E>, done: (a: A) => boolean) =>
  effect.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutOrElse({ duration: "3 seconds", orElse: () => Effect.die(`timed out waiting for ${what}`) })
  )

describe("ContainerManager", () => {
  it.live("starts a worker, waits for WorkerStarted and reports each step", () =>
    Effect.gen(function*() {
      const { manager, sessions } = yield* setup({})
      const steps: Array<string> = []
      const status = yield* manager.start(alice, (step) => Effect.sync(() => void steps.push(step._tag)))
      assert.deepStrictEqual(steps, ["Creating", "WaitingForWorker", "Ready"])
      assert.strictEqual(status.state, "running")
      assert.strictEqual(sessions.desired.get(alice), "running")
      assert.strictEqual(sessions.observed.get(alice)?.state, "running")
      const fetched = yield* manager.status(alice)
      assert.strictEqual(fetched.state, "running")
      assert.isTrue(Option.isSome(fetched.worker))
    }))

  it.live("reuses a running worker with the same configuration, replaces one whose configuration changed", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({})
      yield* manager.start(alice)
      const steps: Array<StartStepTag> = []
      yield* manager.start(alice, (step) => Effect.sync(() => void steps.push(step._tag)))
      assert.deepStrictEqual(steps, ["Ready"])
      assert.strictEqual(fake.calls.create, 1)
      configVersion = "2"
      yield* manager.start(alice).pipe(Effect.ensuring(Effect.sync(() => (configVersion = "1"))))
      assert.strictEqual(fake.calls.create, 2)
    }))

  it.live("a worker heard only through its beats completes its start and is kept running", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({ behaviour: () => "beatsOnly" })
      assert.strictEqual((yield* manager.start(alice)).state, "running")
      const started = fake.workers.get(alice)?.id
      yield* Effect.sleep(Duration.times(baseOptions.silenceThreshold, 2))
      assert.strictEqual((yield* manager.status(alice)).state, "running")
      assert.strictEqual(fake.workers.get(alice)?.id, started)
      assert.strictEqual(fake.calls.create, 1)
    }))

  it.live("a worker that never reports is cleaned up and the start times out", () =>
    Effect.gen(function*() {
      const { manager, fake, sessions } = yield* setup({ behaviour: () => "silent" })
      const reason = yield* failureReason(manager.start(alice))
      assert.strictEqual(reason._tag, "StartTimedOut")
      assert.isFalse(fake.workers.has(alice))
      assert.strictEqual(sessions.desired.get(alice), "stopped")
      assert.strictEqual((yield* manager.status(alice)).state, "stopped")
    }))

  it.live("a worker that dies while starting fails the start with the runtime's words", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({ behaviour: () => "dies" })
      const reason = yield* failureReason(manager.start(alice))
      assert.strictEqual(reason._tag, "WorkerDied")
      assert.include(reason.message, "exit code 1")
      assert.isFalse(fake.workers.has(alice))
    }))

  it.live("refuses a session over the cap, with the numbers", () =>
    Effect.gen(function*() {
      const { manager } = yield* setup({ overrides: { maxRunning: 2 } })
      yield* manager.start(alice)
      yield* manager.start(bob)
      const reason = yield* failureReason(manager.start(carol))
      assert.deepStrictEqual(reason, new ContainerManager.CapacityReached({ running: 2, limit: 2 }))
      yield* manager.stop(bob)
      yield* manager.start(carol)
    }))

  it.live("starts beyond the concurrent ones wait their turn in order, each told its place, and all run", () =>
    Effect.gen(function*() {
      const { manager } = yield* setup({ overrides: { maxConcurrentStarts: 1 } })
      const steps: Array<readonly [PhoneNumber, string]> = []
      const record = (phone: PhoneNumber) => (step: ContainerManager.StartStep) =>
        Effect.sync(() => void steps.push([phone, step._tag === "Queued" ? `Queued ${step.place}` : step._tag]))
      const fibers: Array<Fiber.Fiber<ContainerManager.WorkerStatus, ContainerManager.ContainerManagerError>> = []
      for (const phone of [alice, bob, carol, dave]) {
        fibers.push(yield* Effect.forkChild(manager.start(phone, record(phone))))
        yield* Effect.sleep("5 millis")
      }
      const statuses = yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(statuses.map((status) => status.state), ["running", "running", "running", "running"])
      const of = (phone: PhoneNumber) => steps.filter(([who]) => who === phone).map(([, step]) => step)
      assert.deepStrictEqual(of(alice), ["Creating", "WaitingForWorker", "Ready"])
      assert.deepStrictEqual(of(bob), ["Queued 1", "Creating", "WaitingForWorker", "Ready"])
      const places = of(dave).filter((step) => step.startsWith("Queued"))
      assert.strictEqual(places[0], "Queued 3")
      assert.strictEqual(places.at(-1), "Queued 1")
      assert.deepStrictEqual(places, [...places].sort().reverse(), "a place only ever moves forward")
      const created = steps.filter(([, step]) => step === "Creating").map(([phone]) => phone)
      assert.deepStrictEqual(created, [alice, bob, carol, dave], "first come, first started")
    }))

  it.live("a start that waits past its bound gives up with its place; the start ahead goes on", () =>
    Effect.gen(function*() {
      const { manager } = yield* setup({
        behaviour: (phone) => phone === alice ? "silent" : "healthy",
        overrides: { maxConcurrentStarts: 1, startQueueTimeout: Duration.millis(60) }
      })
      const first = yield* Effect.forkChild(failureReason(manager.start(alice)))
      yield* Effect.sleep("5 millis")
      const reason = yield* failureReason(manager.start(bob))
      assert.strictEqual(reason._tag, "StartQueueTimedOut")
      assert.deepInclude(reason, { place: 1, starting: 1 })
      assert.strictEqual((yield* Fiber.join(first))._tag, "StartTimedOut")
      assert.strictEqual((yield* manager.start(bob)).state, "running", "its place given up, a later start runs")
    }))

  it.live("the cap counts the sessions that started while a start waited its turn", () =>
    Effect.gen(function*() {
      const { manager } = yield* setup({ overrides: { maxConcurrentStarts: 1, maxRunning: 2 } })
      const fibers = []
      for (const phone of [alice, bob, carol]) {
        fibers.push(yield* Effect.forkChild(Effect.result(manager.start(phone))))
        yield* Effect.sleep("5 millis")
      }
      const [a, b, c] = yield* Fiber.joinAll(fibers)
      assert.isTrue(a?._tag === "Success" && b?._tag === "Success")
      assert.deepStrictEqual(c?._tag === "Failure" ? c.failure.reason : undefined, new ContainerManager.CapacityReached({ running: 2, limit: 2 }))
    }))

  it.live("concurrent creates of one account start one worker", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({})
      const results = yield* Effect.all([1, 2, 3, 4].map(() => manager.start(alice)), { concurrency: "unbounded" })
      assert.strictEqual(fake.calls.create, 1)
      assert.isTrue(results.every((status) => status.state === "running"))
    }))

  it.live("stopping a worker that is already gone succeeds", () =>
    Effect.gen(function*() {
      const { manager, sessions } = yield* setup({})
      yield* manager.stop(alice)
      yield* manager.start(alice)
      yield* manager.stop(alice)
      yield* manager.stop(alice)
      assert.strictEqual((yield* manager.status(alice)).state, "stopped")
      assert.strictEqual(sessions.desired.get(alice), "stopped")
    }))

  it.live("restarts a worker that died, and records its heartbeats", () =>
    Effect.gen(function*() {
      const { manager, fake, sessions } = yield* setup({})
      yield* manager.start(alice)
      yield* waitFor("a heartbeat recorded", Effect.sync(() => sessions.heartbeats.has(alice)), (seen) => seen)
      const before = fake.workers.get(alice)?.id
      yield* fake.crash(alice, "killed by SIGKILL")
      yield* waitFor(
        "a new worker running",
        manager.status(alice),
        (status) => status.state === "running" && Option.exists(status.worker, (w) => w.id !== before && w.state === "running")
      )
      assert.strictEqual((yield* manager.status(alice)).restarts, 1)
    }))

  it.live("restarts a worker that went silent", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({})
      yield* manager.start(alice)
      const first = fake.workers.get(alice)?.id
      // The worker hangs: still running, it stops beating (its simulator no longer recognises it).
      fake.workers.set(alice, { ...fake.workers.get(alice)!, id: "hung" })
      yield* waitFor("the hung worker replaced", Effect.sync(() => fake.workers.get(alice)?.id), (id) => id !== "hung" && id !== first)
      yield* waitFor("running again", manager.status(alice), (status) => status.state === "running")
    }))

  it.live("reports a crash loop instead of restarting forever", () =>
    Effect.gen(function*() {
      let crashing = false
      const { manager, fake, sessions } = yield* setup({ behaviour: () => (crashing ? "dies" : "healthy") })
      yield* manager.start(alice)
      crashing = true
      yield* fake.crash(alice, "exit code 3")
      const status = yield* waitFor("a crash loop", manager.status(alice), (s) => s.state === "crash-loop")
      assert.include(Option.getOrElse(status.detail, () => ""), "crash loop")
      assert.isFalse(fake.workers.has(alice))
      assert.strictEqual(sessions.observed.get(alice)?.state, "crash-loop")
      assert.strictEqual(sessions.desired.get(alice), "stopped")
      const creates = fake.calls.create
      yield* Effect.sleep("200 millis")
      assert.strictEqual(fake.calls.create, creates)
    }))

  it.live("adopts healthy workers, restarts missing or changed ones, removes those nobody wants", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeRuntime(() => "healthy")
      const sessions = memorySessions()
      // The first manager runs in a scope of its own, closed to drop it; its workers keep running.
      yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* setup({ fake, sessions })
        yield* first.manager.start(alice)
        yield* first.manager.start(bob)
        yield* first.manager.start(dave)
      }))
      // Dave's session is dropped, Carol's worker is missing, Bob's configuration changed behind our back.
      sessions.desired.delete(dave)
      sessions.desired.set(carol, "running")
      fake.workers.set(bob, { ...fake.workers.get(bob)!, configHash: "stale" })
      const aliceId = fake.workers.get(alice)?.id
      const creates = fake.calls.create

      const { manager } = yield* setup({ fake, sessions })
      assert.isFalse(fake.workers.has(dave), "the unwanted worker is removed")
      yield* waitFor("all wanted running", manager.list, (all) =>
        [alice, bob, carol].every((p) => all.some((s) => s.phone === p && s.state === "running")))
      assert.strictEqual(fake.workers.get(alice)?.id, aliceId, "the healthy worker is adopted, not restarted")
      assert.strictEqual(fake.calls.create, creates + 2)
    }))

  it.live("a Redis outage longer than the silence threshold restarts no worker; one silent while Redis answers still is", () =>
    Effect.gen(function*() {
      const { manager, fake } = yield* setup({})
      yield* manager.start(alice)
      yield* manager.start(bob)
      const before = [fake.workers.get(alice)?.id, fake.workers.get(bob)?.id]
      const creates = fake.calls.create

      // Three silence thresholds without Redis; it comes back for the manager before the workers reconnect.
      fake.redis.readable = false
      fake.redis.writable = false
      yield* Effect.sleep(Duration.times(baseOptions.silenceThreshold, 3))
      fake.redis.readable = true
      yield* Effect.sleep(Duration.divideUnsafe(baseOptions.silenceThreshold, 2))
      fake.redis.writable = true
      yield* Effect.sleep(Duration.times(baseOptions.silenceThreshold, 2))
      assert.deepStrictEqual([fake.workers.get(alice)?.id, fake.workers.get(bob)?.id], before, "no worker was restarted")
      assert.strictEqual(fake.calls.create, creates)
      assert.deepStrictEqual((yield* manager.list).map((status) => status.state), ["running", "running"])

      // A worker that stops beating while Redis answers is dead, as before the outage.
      fake.workers.set(alice, { ...fake.workers.get(alice)!, id: "hung" })
      yield* waitFor("the hung worker replaced", Effect.sync(() => fake.workers.get(alice)?.id), (id) => id !== "hung")
      assert.strictEqual(fake.workers.get(bob)?.id, before[1])
    }))
})

type StartStepTag = ContainerManager.StartStep["_tag"]
