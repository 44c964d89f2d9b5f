/**
 * The scenarios every runtime passes with the real session worker (`TDL_DRIVER=fake`) over real Redis: its
 * lifecycle, its data, adoption by a new manager, a crash, and the caps. Each runtime supplies its hooks; each
 * suite runs isolated (a worker per account) and pooled (accounts sharing a worker), where the hooks are handed
 * the pool for the account.
 */
import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Exit, Layer, Option, Scope } from "effect"
import * as ContainerManager from "../../../src/sessions/manager/ContainerManager.ts"
import { SessionStore } from "../../../src/sessions/manager/SessionStore.ts"
import { WorkerEnvironment } from "../../../src/sessions/manager/WorkerEnvironment.ts"
import type { Queue } from "@vigia/protocol/Queue"
import type { SecretBox } from "@vigia/protocol/SecretBox"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import {
  eventually,
  listenUpdates,
  managerOptions,
  memorySessions,
  ping,
  queueLayer,
  randomPhone,
  workerEnvironment,
  workerSpecFor
} from "../../support/WorkerHarness.ts"
import * as Pooling from "./Pooling.ts"

/** What differs between runtimes: how a test looks at, breaks and inspects a worker from outside. */
export interface RuntimeHooks {
  readonly name: string
  readonly deployment: string
  /** The runtime, and whatever the engine needs for the suite (images, swarm mode, cleanup). */
  readonly layer: Layer.Layer<ContainerRuntime, unknown, Queue>
  /** What changes when the worker is replaced: a pid, a container id and its start time. */
  readonly identity: (phone: PhoneNumber) => Effect.Effect<string, unknown, ContainerRuntime>
  /** The queues the workers and the test share: Redis (BullMQ) unless the runtime brings its own. */
  readonly queue?: Layer.Layer<Queue | SecretBox, unknown>
  /** Kills the worker as a crash would (SIGKILL, `docker kill`); without it the crash scenario is not run. */
  readonly kill?: (phone: PhoneNumber) => Effect.Effect<void, unknown, ContainerRuntime>
  /**
   * Removes the worker behind the control plane's back (`docker rm -f`, `docker service rm`); without it the
   * adoption scenario is not run (inline workers cannot outlive their control plane, nor be removed by hand).
   */
  readonly removeByHand?: (phone: PhoneNumber) => Effect.Effect<void, unknown, ContainerRuntime>
  /** No process, container or service of the worker whose identity was `identity` is left. */
  readonly nothingLeft: (phone: PhoneNumber, identity: string) => Effect.Effect<boolean, unknown, ContainerRuntime>
  /** Writes, and reads, a file at `path` in the data (its volume or folder) of `owner`, an account or the pools. */
  readonly writeData: (owner: PhoneNumber, path: string, content: string) => Effect.Effect<void, unknown>
  readonly readData: (owner: PhoneNumber, path: string) => Effect.Effect<Option.Option<string>, unknown>
  /** Checks what the engine reports of a running worker: its isolation, its labels, where its secrets are. */
  readonly verifyWorker?: (phone: PhoneNumber) => Effect.Effect<void, unknown>
}

type Manager = ContainerManager.ContainerManager["Service"]

const stopAll = (manager: Manager, phones: ReadonlyArray<PhoneNumber>) =>
  Effect.forEach(phones, manager.stop, { concurrency: "unbounded", discard: true })

export const runtimeSuite = (hooks: RuntimeHooks, mode: Pooling.SuiteMode = { accountsPerProcess: 1 }) => {
  const queue = hooks.queue ?? queueLayer(hooks.deployment)
  const shared = Layer.provideMerge(Pooling.runtimeOf(hooks, mode), queue)
  const { kill, removeByHand } = hooks
  const { closeClient, hostOf, identity, pooled, readData, writeData } = Pooling.placement(hooks, mode)

  /** A manager in a scope of its own, and an updates listener that always feeds the manager of the moment. */
  const harness = Effect.fnUntraced(function*(phones: ReadonlyArray<PhoneNumber>, overrides: Partial<ContainerManager.ContainerManagerOptions> = {}) {
    const sessions = memorySessions()
    let current: Manager | undefined
    const updates = yield* listenUpdates(phones, () => current?.observe ?? (() => Effect.void))
    const start = Effect.fnUntraced(function*() {
      const scope = yield* Scope.make()
      const manager = yield* ContainerManager.make({ ...managerOptions, ...overrides }).pipe(
        Effect.provideService(SessionStore, sessions.store),
        Effect.provideService(WorkerEnvironment, workerEnvironment(hooks.deployment)),
        Scope.provide(scope)
      )
      current = manager
      return { manager, drop: Scope.close(scope, Exit.void).pipe(Effect.andThen(Effect.sync(() => (current = undefined)))) }
    })
    return { sessions, updates, start }
  })

  const title = pooled ? `${hooks.name} runtime, ${mode.accountsPerProcess} accounts to a pool` : `${hooks.name} runtime`
  layer(shared, { timeout: "6 minutes", excludeTestServices: true })(title, (it) => {
    it.effect("create, WorkerStarted over Redis, running, a command round trip, stop, nothing left but the data", () =>
      Effect.gen(function*() {
        const phone = randomPhone()
        const { updates, start } = yield* harness([phone])
        const { manager, drop } = yield* start()
        const steps: Array<string> = []
        const status = yield* manager.start(phone, (step) => Effect.sync(() => void steps.push(step._tag)))
        assert.deepStrictEqual(steps, ["Creating", "WaitingForWorker", "Ready"])
        assert.strictEqual(status.state, "running")
        // A start may complete on the worker's first beat, a moment before its WorkerStarted update arrives.
        yield* eventually("the worker's WorkerStarted", Effect.sync(() => updates.started(phone)), (count) => count >= 1, "10 seconds")
        assert.strictEqual(updates.started(phone), 1)
        assert.strictEqual((yield* manager.status(phone)).state, "running")
        assert.deepStrictEqual((yield* manager.list).map((s) => s.phone), [phone])
        yield* ping(phone)
        if (hooks.verifyWorker !== undefined && !pooled) yield* hooks.verifyWorker(phone)

        const host = yield* hostOf(phone)
        const before = yield* hooks.identity(host)
        yield* manager.stop(phone)
        assert.strictEqual((yield* manager.status(phone)).state, "stopped")
        assert.isTrue(yield* hooks.nothingLeft(host, before), "no process, container or service is left")
        assert.deepStrictEqual(yield* manager.list, [])
        yield* manager.stop(phone)
        yield* writeData(phone, "after-stop", "kept")
        assert.deepStrictEqual(yield* readData(phone, "after-stop"), Option.some("kept"), "the data is kept")
        yield* drop
      }))

    it.effect("an account's files survive stop and create; two accounts never see each other's", () =>
      Effect.gen(function*() {
        const [alice, bob] = [randomPhone(), randomPhone()]
        const { start } = yield* harness([alice, bob])
        const { manager, drop } = yield* start()
        yield* manager.start(alice)
        yield* manager.start(bob)
        yield* writeData(alice, "marker", "alice")
        yield* manager.stop(alice)
        yield* manager.start(alice)
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.some("alice"))
        assert.deepStrictEqual(yield* readData(bob, "marker"), Option.none())
        yield* ping(alice)
        yield* stopAll(manager, [alice, bob])
        yield* drop
      }))

    it.effect("erasing an account stops its worker and deletes its data, the other account's kept; a new start begins empty; a stopped account's data is erased too", () =>
      Effect.gen(function*() {
        const runtime = yield* ContainerRuntime
        const [alice, bob] = [randomPhone(), randomPhone()]
        const { start } = yield* harness([alice, bob])
        const { manager, drop } = yield* start()
        yield* manager.start(alice)
        yield* manager.start(bob)
        const host = yield* hostOf(alice)
        const before = yield* hooks.identity(host)
        yield* writeData(alice, "marker", "alice")
        yield* writeData(bob, "marker", "bob")
        yield* manager.erase(alice)
        assert.isTrue(Option.isNone(yield* runtime.status(alice)), "the account's worker is gone")
        // A pool goes on with its other accounts.
        if (!pooled) assert.isTrue(yield* hooks.nothingLeft(host, before), "the worker is gone")
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.none(), "the data is gone")
        assert.deepStrictEqual(yield* readData(bob, "marker"), Option.some("bob"))
        yield* ping(bob)
        yield* manager.erase(alice)
        yield* manager.start(alice)
        assert.deepStrictEqual(yield* readData(alice, "marker"), Option.none())
        yield* ping(alice)
        // Bob stopped first (in pooled mode his pool may stop with him): his erasure still deletes his data.
        yield* manager.stop(alice)
        yield* manager.stop(bob)
        yield* manager.erase(bob)
        assert.deepStrictEqual(yield* readData(bob, "marker"), Option.none(), "a stopped account's data is gone")
        assert.deepStrictEqual(yield* runtime.list, [], "no worker is left running for the erasure")
        yield* drop
      }))

    if (removeByHand !== undefined && !pooled) it.effect("a new manager adopts running workers, recreates one removed by hand, removes one nobody wants", () =>
      Effect.gen(function*() {
        const runtime = yield* ContainerRuntime
        const [alice, bob, carol, orphan] = [randomPhone(), randomPhone(), randomPhone(), randomPhone()]
        const { updates, start } = yield* harness([alice, bob, carol, orphan])
        const first = yield* start()
        yield* Effect.all([alice, bob, carol].map((phone) => first.manager.start(phone)), { concurrency: "unbounded" })
        yield* first.drop
        // While no manager runs: Carol's worker is removed by hand, and a worker nobody wants appears.
        yield* removeByHand(carol)
        yield* runtime.create(yield* workerSpecFor(hooks.deployment)(orphan))
        const before = { alice: yield* hooks.identity(alice), bob: yield* hooks.identity(bob), orphan: yield* hooks.identity(orphan) }

        const second = yield* start()
        assert.isTrue(yield* hooks.nothingLeft(orphan, before.orphan), "the unwanted worker is removed")
        for (const phone of [alice, bob]) {
          assert.strictEqual((yield* second.manager.status(phone)).state, "running")
        }
        yield* eventually("Carol's worker recreated", second.manager.status(carol), (status) =>
          status.state === "running" && Option.exists(status.worker, (w) => w.state === "running"))
        yield* eventually("Carol's worker started again", Effect.sync(() => updates.started(carol)), (n) => n === 2)
        assert.strictEqual(yield* hooks.identity(alice), before.alice, "adopted, not restarted")
        assert.strictEqual(yield* hooks.identity(bob), before.bob, "adopted, not restarted")
        assert.strictEqual(updates.started(alice), 1)
        assert.strictEqual(updates.started(bob), 1)
        yield* ping(alice)
        yield* ping(carol)
        yield* stopAll(second.manager, [alice, bob, carol])
        yield* second.drop
      }))

    if (pooled) it.effect("a new manager adopts a running pool from its roster, and takes out of a pool an account nobody wants", () =>
      Effect.gen(function*() {
        const runtime = yield* ContainerRuntime
        const phones = [randomPhone(), randomPhone(), randomPhone()]
        const orphan = randomPhone()
        const { updates, start } = yield* harness([...phones, orphan])
        const first = yield* start()
        yield* Effect.all(phones.map((phone) => first.manager.start(phone)), { concurrency: "unbounded" })
        yield* first.drop
        // While no manager runs, an account nobody wants joins a pool.
        yield* runtime.create(yield* workerSpecFor(hooks.deployment)(orphan))
        const pool = yield* identity(phones[0]!)
        const orphanHost = yield* hostOf(orphan)
        const orphanPool = yield* hooks.identity(orphanHost)

        const second = yield* start()
        for (const phone of phones) {
          assert.strictEqual((yield* second.manager.status(phone)).state, "running")
          assert.strictEqual(yield* identity(phone), pool, "adopted in its pool, not restarted")
          assert.strictEqual(updates.started(phone), 1)
        }
        assert.isTrue(yield* hooks.nothingLeft(orphanHost, orphanPool), "the pool of the unwanted account alone is stopped")
        yield* Effect.forEach(phones, ping, { discard: true })
        yield* stopAll(second.manager, phones)
        yield* second.drop
      }))

    if (pooled) it.effect("an account whose TDLib closes is restarted alone in its pool; the others do not notice", () =>
      Effect.gen(function*() {
        const [alice, bob, carol] = [randomPhone(), randomPhone(), randomPhone()]
        const { updates, start } = yield* harness([alice, bob, carol])
        const { manager, drop } = yield* start()
        yield* Effect.all([alice, bob, carol].map((phone) => manager.start(phone)), { concurrency: "unbounded" })
        const pool = yield* identity(alice)
        assert.strictEqual(yield* identity(bob), pool, "one pool hosts the three")
        yield* closeClient(alice)
        yield* eventually("Alice started again in her pool", Effect.sync(() => updates.started(alice)), (n) => n === 2)
        yield* ping(alice)
        yield* Effect.forEach([bob, carol], ping, { discard: true })
        assert.strictEqual(updates.started(bob), 1, "Bob's worker was not restarted")
        assert.strictEqual(updates.started(carol), 1, "Carol's worker was not restarted")
        assert.strictEqual(yield* identity(alice), pool, "the pool itself did not restart")
        for (const phone of [alice, bob, carol]) assert.strictEqual((yield* manager.status(phone)).state, "running")
        yield* stopAll(manager, [alice, bob, carol])
        yield* drop
      }))

    if (kill !== undefined) it.effect(pooled ? "a killed pool is noticed and each of its accounts restarted" : "a killed worker is noticed and restarted", () =>
      Effect.gen(function*() {
        const phones = pooled ? [randomPhone(), randomPhone(), randomPhone()] : [randomPhone()]
        const { updates, start } = yield* harness(phones)
        const { manager, drop } = yield* start()
        yield* Effect.all(phones.map((phone) => manager.start(phone)), { concurrency: "unbounded" })
        const before = yield* identity(phones[0]!)
        yield* Effect.flatMap(hostOf(phones[0]!), kill)
        for (const phone of phones) {
          yield* eventually("the worker restarted", Effect.sync(() => updates.started(phone)), (n) => n >= 2)
          yield* eventually("running again", manager.status(phone), (status) => status.state === "running")
          yield* ping(phone)
        }
        assert.notStrictEqual(yield* identity(phones[0]!), before)
        yield* stopAll(manager, phones)
        yield* drop
      }))

    it.effect("with a cap of 2 the third session is refused; concurrent creates of one account start one worker", () =>
      Effect.gen(function*() {
        const [alice, bob, carol] = [randomPhone(), randomPhone(), randomPhone()]
        const { updates, start } = yield* harness([alice, bob, carol], { maxRunning: 2 })
        const { manager, drop } = yield* start()
        yield* Effect.all([1, 2, 3].map(() => manager.start(alice)), { concurrency: "unbounded" })
        assert.strictEqual(updates.started(alice), 1)
        yield* manager.start(bob)
        const refused = yield* Effect.flip(manager.start(carol))
        assert.deepStrictEqual(refused.reason, new ContainerManager.CapacityReached({ running: 2, limit: 2 }))
        assert.deepStrictEqual(yield* readData(carol, "anything"), Option.none())
        assert.strictEqual((yield* manager.status(carol)).state, "stopped")
        yield* stopAll(manager, [alice, bob])
        yield* drop
      }))
  })
}
