import { assert, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Database } from "../../src/data/Database.ts"
import * as Data from "../../src/data/layer.ts"
import * as Migrations from "../../src/data/Migrations.ts"

/** A data folder the `postgres` user can reach when the tests run as root. */
const temporaryDataFolder = Effect.acquireRelease(
  Effect.promise(async () => {
    const folder = await Fs.mkdtemp(Path.join(Os.tmpdir(), "vigia-embedded-"))
    await Fs.chmod(folder, 0o755)
    return folder
  }),
  (folder) => Effect.promise(() => Fs.rm(folder, { recursive: true, force: true }))
)

const accepts = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const socket = Net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resume(Effect.succeed(true))))
    socket.once("error", () => resume(Effect.succeed(false)))
  })

/** The control plane's start-up with no DATABASE_URL: the embedded default, then the migrations. */
const startControlPlaneDatabase = (dataFolder: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const applied = yield* Migrations.run
    yield* (yield* Database).health
    const [row] = yield* sql<{ port: number; users: bigint }>`
      SELECT inet_server_port() AS port, (SELECT count(*) FROM users) AS users`
    return { applied, port: row?.port ?? 0 }
  }).pipe(
    Effect.provide(
      Data.database.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ VIGIA_DATA_DIR: dataFolder }))))
    )
  )

it.live("with no DATABASE_URL an embedded PostgreSQL starts, migrates, stops cleanly, and keeps its data", () =>
  Effect.gen(function*() {
    const dataFolder = yield* temporaryDataFolder
    const cluster = Path.join(dataFolder, "postgres")

    const first = yield* startControlPlaneDatabase(dataFolder)
    assert.deepStrictEqual(first.applied.map(([id]) => id), Migrations.ids)
    assert.notStrictEqual(first.port, 5432)
    assert.isFalse(yield* accepts(first.port), "PostgreSQL still listens after the layer was released")
    assert.isFalse(
      yield* Effect.promise(() => Fs.access(Path.join(cluster, "postmaster.pid")).then(() => true, () => false)),
      "postmaster.pid left behind: PostgreSQL did not shut down cleanly"
    )
    if (process.getuid?.() === 0) {
      const postgresUid = Number(ChildProcess.execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
      assert.strictEqual((yield* Effect.promise(() => Fs.stat(cluster))).uid, postgresUid)
    }
    assert.strictEqual((yield* Effect.promise(() => Fs.stat(Path.join(dataFolder, "postgres.password")))).mode & 0o077, 0)

    const second = yield* startControlPlaneDatabase(dataFolder)
    assert.deepStrictEqual(second.applied, [])
    assert.isFalse(yield* accepts(second.port))
  }).pipe(Effect.scoped), 90_000)
