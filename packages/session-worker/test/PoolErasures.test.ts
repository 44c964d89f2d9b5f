import { assert, it } from "@effect/vitest"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { Context, Duration, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Pool from "../src/Pool.ts"
import type { PoolSettings } from "../src/PoolConfig.ts"
import { randomPhone, sessionKey } from "./TestConfig.ts"

const poolId = Schema.decodeSync(PhoneNumber)("999000000001")

/** A pool over in-memory queues (its roster empty), its accounts' folders in `dataDir`. */
const poolIn = (dataDir: string) => {
  const settings: PoolSettings = {
    poolId,
    poolKey: Redacted.make(sessionKey),
    dataDir,
    containerId: "test-pool",
    redisUrl: Option.none(),
    prefix: "test",
    logFormat: "json",
    rosterInterval: Duration.millis(50)
  }
  return Pool.layer(settings).pipe(Layer.provideMerge(Layer.mergeAll(Queue.layerMemory(), NodeFileSystem.layer)))
}

const folderWith = (path: string) => {
  Fs.mkdirSync(path, { recursive: true })
  Fs.writeFileSync(Path.join(path, "td.binlog"), "session")
}

const erase = (queue: Queue["Service"], names: ReadonlyArray<string>) =>
  queue.writeNote(poolId, Roster.erasuresNote, Roster.encodeErasures(names)).pipe(
    Effect.andThen(queue.writeNote(poolId, Roster.versionNote, Roster.erasureVersion()))
  )

const acknowledged = (queue: Queue["Service"], phone: string) =>
  queue.readNote(poolId, Roster.erasedNote(phone)).pipe(
    Effect.repeat({ until: (text) => text !== undefined, schedule: Schedule.spaced("20 millis") }),
    Effect.timeout("5 seconds")
  )

it.live("a pool deletes the folders its erasures note lists and acknowledges each; a name that is no phone number makes no path", () =>
  Effect.gen(function*() {
    const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-pool-erasures-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(root, { recursive: true, force: true })))
    const dataDir = Path.join(root, "pools")
    const [alice, bob, carol] = [randomPhone(), randomPhone(), randomPhone()]
    for (const phone of [alice, bob, carol]) folderWith(Path.join(dataDir, phone))
    folderWith(Path.join(root, "outside"))

    const context = yield* Layer.build(poolIn(dataDir))
    const queue = Context.get(context, Queue)
    yield* erase(queue, [alice, "../outside", ".", ""])
    yield* acknowledged(queue, alice)
    assert.isFalse(Fs.existsSync(Path.join(dataDir, alice)), "the listed account's folder is gone")
    assert.isTrue(Fs.existsSync(Path.join(dataDir, bob, "td.binlog")), "another account's folder is kept")
    assert.isTrue(Fs.existsSync(Path.join(root, "outside", "td.binlog")), "nothing outside the pool's data is touched")
    assert.isTrue(Fs.existsSync(dataDir), "the pool's data itself is kept")
    assert.strictEqual(yield* queue.readNote(poolId, Roster.erasedNote("../outside")), undefined)

    // A note that does not read is ignored: the pool goes on following its roster and its later erasures.
    yield* queue.writeNote(poolId, Roster.erasuresNote, "{not json")
    yield* queue.writeNote(poolId, Roster.versionNote, Roster.erasureVersion())
    yield* Effect.sleep("200 millis")

    // A later erasure, announced by a new version, is read too; an account already erased is erased again harmlessly.
    yield* queue.writeNote(poolId, Roster.erasedNote(alice), undefined)
    yield* erase(queue, [alice, carol])
    yield* acknowledged(queue, carol)
    yield* acknowledged(queue, alice)
    assert.isFalse(Fs.existsSync(Path.join(dataDir, carol)))
    assert.isTrue(Fs.existsSync(Path.join(dataDir, bob, "td.binlog")))
  }).pipe(Effect.scoped))
