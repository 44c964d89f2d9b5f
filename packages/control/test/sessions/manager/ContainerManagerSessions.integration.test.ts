import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerManager from "../../../src/sessions/manager/ContainerManager.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import * as ProcessRuntime from "../../../src/sessions/runtimes/ProcessRuntime.ts"
import { Sessions } from "../../../src/data/Sessions.ts"
import { UserId } from "../../../src/data/UserId.ts"
import { TestDatabase } from "../../support/TestDatabase.ts"
import * as Pooling from "../runtimes/Pooling.ts"
import {
  eventually,
  listenUpdates,
  queueLayer,
  randomDeployment,
  randomPhone,
  startManager,
  stopWorkersAtEnd,
  workerSpecFor
} from "../../support/WorkerHarness.ts"

// The manager over the real `sessions` table (a fresh PostgreSQL database) and real workers as processes.

const deployment = randomDeployment("sessions")
const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-manager-sessions-"))

const cleanup = stopWorkersAtEnd(deployment, dataRoot)

const processes = ProcessRuntime.layer({ entry: ProcessRuntime.defaultEntry, dataRoot, deployment, stopGracePeriod: Duration.seconds(5) })

/** Process workers, each account in its own or `accountsPerProcess` to a pool; a database of its own. */
const layersFor = (accountsPerProcess: number) =>
  Layer.mergeAll(
    Layer.provideMerge(
      cleanup,
      Pooling.runtimeOf({ deployment, layer: processes }, { accountsPerProcess }).pipe(Layer.provide(queueLayer(deployment)))
    ),
    queueLayer(deployment),
    Sessions.layer.pipe(Layer.provideMerge(TestDatabase.layer))
  )

const createUser = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ readonly id: string }>`
    INSERT INTO users (telegram_user_id, first_name, created_at, updated_at)
    VALUES (${Math.floor(Math.random() * 1e12)}, 'Test', now(), now())
    RETURNING id`
  return Schema.decodeUnknownSync(UserId)(row?.id)
})

for (const accountsPerProcess of [1, 3]) layer(layersFor(accountsPerProcess), { timeout: "2 minutes", excludeTestServices: true })(
  accountsPerProcess === 1 ? "ContainerManager with the sessions table" : `ContainerManager with the sessions table, ${accountsPerProcess} accounts to a pool`,
  (it) => {
  it.effect("records what it runs, adopts from the table, keeps the account's own state, removes what has no session", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const runtime = yield* ContainerRuntime
      const [alice, bob, stranger] = [randomPhone(), randomPhone(), randomPhone()]
      let current: ContainerManager.ContainerManager["Service"] | undefined
      const updates = yield* listenUpdates([alice, bob, stranger], () => current?.observe ?? (() => Effect.void))
      const userId = yield* createUser
      yield* sessions.register(userId, alice, "process")

      const first = yield* startManager(deployment)
      current = first.manager
      yield* first.manager.start(alice)
      const started = yield* sessions.get(alice)
      assert.strictEqual(started.observedState, "running")
      assert.strictEqual(started.desiredState, "running")
      const alicePid = Option.getOrThrow((yield* runtime.status(alice))).id
      assert.strictEqual(started.runtimeRef, alicePid)
      yield* eventually("a heartbeat recorded", sessions.get(alice), (session) => session.lastHeartbeatAt !== null)
      // The worker's own updates move the session on; the manager must not overwrite that.
      yield* sessions.recordObserved(alice, "authorized", null)
      yield* first.drop

      // While no manager runs: Bob's session is registered (his worker does not exist yet) and a worker with
      // no session appears.
      yield* sessions.register(userId, bob, "process")
      yield* runtime.create(yield* workerSpecFor(deployment)(stranger))

      const second = yield* startManager(deployment)
      current = second.manager
      assert.isTrue(Option.isNone(yield* runtime.status(stranger)), "the worker with no session is removed")
      assert.strictEqual(Option.getOrThrow(yield* runtime.status(alice)).id, alicePid, "adopted, not restarted")
      assert.strictEqual((yield* sessions.get(alice)).observedState, "authorized")
      yield* eventually("Bob's worker started from the table", sessions.get(bob), (s) => s.observedState === "running")
      assert.strictEqual(updates.started(bob), 1)
      assert.strictEqual(updates.started(alice), 1)

      yield* second.manager.stop(alice)
      const stopped = yield* sessions.get(alice)
      assert.strictEqual(stopped.desiredState, "stopped")
      assert.strictEqual(stopped.observedState, "stopped")
      yield* second.manager.stop(bob)
      yield* second.drop
      assert.deepStrictEqual((yield* sessions.list({ desired: "running" })).map((s) => s.phoneNumber), [])
    }))
})
