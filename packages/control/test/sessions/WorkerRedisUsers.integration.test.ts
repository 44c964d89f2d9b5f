import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Context, Duration, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { Redis } from "ioredis"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { privateRedisWith } from "../../../../test-support/PrivateRedis.ts"
import * as ContainerManager from "../../src/sessions/manager/ContainerManager.ts"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import * as Placement from "../../src/sessions/manager/Placement.ts"
import * as Pools from "../../src/sessions/manager/Pools.ts"
import { SessionStore } from "../../src/sessions/manager/SessionStore.ts"
import { WorkerEnvironment } from "../../src/sessions/manager/WorkerEnvironment.ts"
import { ContainerRuntime } from "../../src/sessions/runtimes/ContainerRuntime.ts"
import * as ProcessRuntime from "../../src/sessions/runtimes/ProcessRuntime.ts"
import * as WithRedisUsers from "../../src/sessions/runtimes/WithRedisUsers.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { userName, WorkerRedisUsers } from "../../src/sessions/WorkerRedisUsers.ts"
import { listenUpdates, managerOptions, memorySessions, ping, randomDeployment, randomPhone, sessionKey } from "../support/WorkerHarness.ts"

// Process workers over a private Redis that requires a password, as compose and the Swarm stack run it: each
// worker is handed its own Redis user, and the test uses that user's URL the way a compromised worker would.

const prefix = randomDeployment("acl")
const controlPassword = "control-plane-redis-password"
const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-acl-"))

/** The control plane's own connection to the private Redis, as an administrator. */
class RedisAdmin extends Context.Service<RedisAdmin, Redis>()("test/RedisAdmin") {}

const connectAs = (url: string) =>
  Effect.acquireRelease(Effect.sync(() => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })), (redis) =>
    Effect.sync(() => redis.disconnect()))

/** The pools of this file's deployment (its prefix). */
const space = Placement.spaceOf(prefix)
const firstPool = Placement.poolId(space, 1)

/** The services over a private Redis; accounts pooled `accountsPerProcess` to a worker (1: each its own). */
const services = (accountsPerProcess: number) => Layer.unwrap(Effect.gen(function*() {
  const redis = yield* privateRedisWith({ password: controlPassword })
  const url = Redacted.make(redis.url)
  const users = WorkerRedisUsers.layer({ _tag: "PerAccount", adminUrl: url, workerUrl: url, prefix })
  const environment = WorkerEnvironment.layer({
    queuePrefix: prefix,
    tdl: { driver: "fake", script: Option.none() },
    logFormat: "json",
    heartbeatInterval: 1
  })
  const processes = ProcessRuntime.layer({ entry: ProcessRuntime.defaultEntry, dataRoot, deployment: prefix, stopGracePeriod: Duration.seconds(5) })
  const runtime = accountsPerProcess === 1
    ? WithRedisUsers.layer.pipe(Layer.provide(processes))
    : Pools.layer({ accountsPerProcess, deployment: prefix, environment: { QUEUE_PREFIX: prefix, LOG_FORMAT: "json" } }).pipe(Layer.provide(processes))
  const queue = Layer.mergeAll(
    Queue.layerBullMq({ redisUrl: url, prefix, idleTimeout: Duration.seconds(5), sweepInterval: Duration.seconds(2) }),
    SecretBox.layer(sessionKey)
  )
  return Layer.mergeAll(environment, runtime.pipe(Layer.provideMerge(queue)), Layer.effect(RedisAdmin, connectAs(redis.url))).pipe(
    Layer.provideMerge(users),
    Layer.provideMerge(SessionKeys.layer({ master: Redacted.make("acl test master key") }))
  )
}))

/** The reply to one command sent with `redis`, or the error Redis answered. */
const reply = (redis: Redis, ...command: [string, ...Array<string | number>]) =>
  Effect.promise(() => redis.call(...command).then(String, (error: Error) => `error: ${error.message}`))

/** Redis' refusal: NOPERM, or (for a key a script reaches without naming it) its own words for the same. */
const refused = (answer: string) =>
  answer.startsWith("error: NOPERM") || answer.includes("The user executing the script can't access at least one of the keys")

const workerUrlOf = (phone: PhoneNumber) =>
  Effect.flatMap(WorkerEnvironment, (environment) => environment.specFor(phone)).pipe(
    Effect.map((spec) => Redacted.value(spec.secrets.REDIS_URL!))
  )

const key = (phone: PhoneNumber, rest: string) => `${prefix}:user-${phone}-${rest}`

const cleanup = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataRoot, { recursive: true, force: true }))))

layer(Layer.mergeAll(services(1), cleanup), {
  timeout: "2 minutes",
  excludeTestServices: true
})("each worker's own Redis user", (it) => {
  it.effect("a worker reaches its own queues and works; another account's queues and FLUSHALL answer NOPERM; stopping deletes its user", () =>
    Effect.gen(function*() {
      const [alice, bob] = [randomPhone(), randomPhone()]
      const sessions = memorySessions()
      const scope = yield* Scope.make()
      const manager = yield* ContainerManager.make(managerOptions).pipe(Effect.provideService(SessionStore, sessions.store), Scope.provide(scope))
      const updates = yield* listenUpdates([alice, bob], () => manager.observe)
      yield* manager.start(alice)
      yield* manager.start(bob)
      yield* ping(alice)
      yield* ping(bob)
      assert.strictEqual(updates.started(alice), 1, "alice's worker said it started, on its own updates queue")

      const admin = yield* RedisAdmin
      yield* Effect.sleep("2 seconds")
      assert.deepStrictEqual(yield* reply(admin, "ACL", "LOG"), "", "working normally, no worker was refused anything")

      const aliceUrl = yield* workerUrlOf(alice)
      assert.notInclude(aliceUrl, controlPassword, "the control plane's password never reaches a worker")
      const asAlice = yield* connectAs(aliceUrl)
      assert.strictEqual(yield* reply(asAlice, "SET", key(alice, "probe"), "mine"), "OK")
      assert.strictEqual(yield* reply(asAlice, "GET", key(alice, "probe")), "mine")

      const attempts = {
        "write Bob's commands queue": yield* reply(asAlice, "XADD", `${key(bob, "commands")}:events`, "*", "event", "forged"),
        "read Bob's responses": yield* reply(asAlice, "LRANGE", `${key(bob, "responses")}:wait`, 0, -1),
        "wake Bob's worker": yield* reply(asAlice, "PUBLISH", `${key(bob, "commands")}:wake`, ""),
        "listen to Bob's wake-ups": yield* reply(asAlice, "SUBSCRIBE", `${key(bob, "commands")}:wake`),
        "a script on Bob's key": yield* reply(asAlice, "EVAL", "return redis.call('GET', KEYS[1])", 1, key(bob, "heartbeat")),
        "a script reaching Bob's key unnamed": yield* reply(asAlice, "EVAL", `return redis.call('DEL', '${key(bob, "heartbeat")}')`, 0),
        "FLUSHALL": yield* reply(asAlice, "FLUSHALL"),
        "FLUSHDB": yield* reply(asAlice, "FLUSHDB"),
        "KEYS": yield* reply(asAlice, "KEYS", "*"),
        "SCAN": yield* reply(asAlice, "SCAN", 0),
        "PUBSUB CHANNELS": yield* reply(asAlice, "PUBSUB", "CHANNELS"),
        "CONFIG GET": yield* reply(asAlice, "CONFIG", "GET", "requirepass"),
        "ACL LIST": yield* reply(asAlice, "ACL", "LIST"),
        "CLIENT LIST": yield* reply(asAlice, "CLIENT", "LIST"),
        "SCRIPT FLUSH": yield* reply(asAlice, "SCRIPT", "FLUSH")
      }
      for (const [what, answer] of Object.entries(attempts)) assert.isTrue(refused(answer), `${what}: ${answer}`)
      assert.notStrictEqual(yield* reply(admin, "ACL", "LOG"), "", "Redis logged the refusals")

      // Through BullMQ, as a compromised worker would queue a SendMessage on Bob's account.
      const forged = yield* Effect.flip(Effect.gen(function*() {
        const queue = yield* Queue
        const command = yield* Messages.commandMessage(bob, new Messages.SendMessage({ chatId: 1, text: "forged" }))
        yield* queue.send(QueueNames.commandsQueue(bob), Messages.CommandMessage, command)
      }).pipe(Effect.provide(Queue.layerBullMq({ redisUrl: Redacted.make(aliceUrl), prefix, redisTimeout: Duration.seconds(3) }))))
      assert.include(forged.message, "NOPERM")
      yield* ping(bob)

      const usersNow = () => Effect.promise(() => admin.acl("USERS"))
      assert.includeMembers(yield* usersNow(), [userName(prefix, alice), userName(prefix, bob)])
      yield* manager.stop(alice)
      assert.notInclude(yield* usersNow(), userName(prefix, alice), "stopping deletes the worker's user")
      const afterStop = yield* connectAs(aliceUrl)
      assert.match(yield* reply(afterStop, "PING"), /WRONGPASS/)
      // The runtime's stop is also what a crash loop given up, a failed start and an orphan's removal call.
      const runtime = yield* ContainerRuntime
      yield* runtime.stop(bob)
      assert.notInclude(yield* usersNow(), userName(prefix, bob))
      yield* Scope.close(scope, Exit.void)
    }))
})

layer(Layer.mergeAll(services(3), cleanup), { timeout: "2 minutes", excludeTestServices: true })(
  "pooled accounts' own Redis users",
  (it) => {
    it.effect("in one pool each account connects as its own user and the pool as its own; the pool's user goes with its last account", () =>
      Effect.gen(function*() {
        const [alice, bob] = [randomPhone(), randomPhone()]
        const sessions = memorySessions()
        const scope = yield* Scope.make()
        const manager = yield* ContainerManager.make(managerOptions).pipe(Effect.provideService(SessionStore, sessions.store), Scope.provide(scope))
        yield* listenUpdates([alice, bob], () => manager.observe)
        yield* manager.start(alice)
        yield* manager.start(bob)
        yield* ping(alice)
        yield* ping(bob)
        const admin = yield* RedisAdmin
        const pid = (yield* manager.status(alice)).worker.pipe(Option.map((worker) => worker.id), Option.getOrThrow)
        assert.strictEqual((yield* manager.status(bob)).worker.pipe(Option.map((worker) => worker.id), Option.getOrThrow), pid, "one pool")
        yield* Effect.sleep("2 seconds")
        assert.deepStrictEqual(yield* reply(admin, "ACL", "LOG"), "", "nothing was refused: each reached only its own")
        const users = new Set([...(yield* reply(admin, "CLIENT", "LIST")).matchAll(/ user=(\S+)/g)].map((match) => match[1]))
        const pool = userName(prefix, firstPool)
        for (const user of [userName(prefix, alice), userName(prefix, bob), pool]) {
          assert.isTrue(users.has(user), `a connection as ${user}`)
        }
        // The pool's own user reads its roster and nothing of its accounts'.
        const asPool = yield* connectAs(Redacted.value((yield* WorkerRedisUsers).urlFor(firstPool).pipe(Option.getOrThrow)))
        assert.isTrue(refused(yield* reply(asPool, "GET", key(alice, "heartbeat"))), "the pool's user cannot read an account's keys")
        assert.notStrictEqual(yield* reply(asPool, "GET", key(firstPool, "note-roster")), "null")

        const usersNow = () => Effect.promise(() => admin.acl("USERS"))
        yield* manager.stop(alice)
        assert.notInclude(yield* usersNow(), userName(prefix, alice))
        assert.include(yield* usersNow(), pool, "the pool stays for Bob")
        yield* ping(bob)
        yield* manager.stop(bob)
        assert.notInclude(yield* usersNow(), pool, "the pool's user goes with its last account")
        yield* Scope.close(scope, Exit.void)
      }))

    it.effect("a pooled account's erasure is acknowledged by a pool as its own user, the account's deleted by then; the pool started for it goes with its user", () =>
      Effect.gen(function*() {
        const alice = randomPhone()
        const scope = yield* Scope.make()
        const manager = yield* ContainerManager.make(managerOptions).pipe(
          Effect.provideService(SessionStore, memorySessions().store),
          Scope.provide(scope)
        )
        yield* listenUpdates([alice], () => manager.observe)
        yield* manager.start(alice)
        yield* ping(alice)
        const folder = Path.join(dataRoot, ContainerNames.volumeName(Placement.poolsData(space)), alice)
        assert.isTrue(Fs.existsSync(folder))
        const admin = yield* RedisAdmin
        yield* reply(admin, "ACL", "LOG", "RESET")
        // Her pool stops with her: the erasure starts one.
        yield* manager.stop(alice)
        yield* manager.erase(alice)
        assert.isFalse(Fs.existsSync(folder), "her folder in the pools' data is gone")
        assert.deepStrictEqual(yield* reply(admin, "ACL", "LOG"), "", "nothing was refused")
        const users = yield* Effect.promise(() => admin.acl("USERS"))
        assert.notInclude(users, userName(prefix, alice))
        assert.notInclude(users, userName(prefix, firstPool), "the pool's user goes with the pool")
        yield* Scope.close(scope, Exit.void)
      }))
  }
)
