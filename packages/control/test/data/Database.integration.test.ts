import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Redacted, Ref } from "effect"
import { SqlClient } from "effect/sql"
import * as Net from "node:net"
import { Database } from "../../src/data/Database.ts"
import * as Data from "../../src/data/layer.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const withPort = (url: Redacted.Redacted<string>, port: number, database?: string) => {
  const parsed = new URL(Redacted.value(url))
  parsed.port = String(port)
  if (database !== undefined) parsed.pathname = `/${database}`
  return Redacted.make(parsed.toString())
}

const freePort = Effect.callback<number>((resume) => {
  const server = Net.createServer().listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

/** "PostgreSQL comes up": a TCP relay from `port` to the real server, closed with the scope. */
const relay = (port: number, target: URL) =>
  Effect.acquireRelease(
    Effect.callback<Net.Server>((resume) => {
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer((client) => {
        const upstream = Net.connect(Number(target.port || 5432), target.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on("error", () => socket.destroy())
          socket.on("close", () => sockets.delete(socket))
        }
        client.pipe(upstream).pipe(client)
      })
      server.on("close", () => sockets.forEach((socket) => socket.destroy()))
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.callback<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.emit("close")
    })
  )

const currentDatabase = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ name: string }>`SELECT current_database() AS name`
  return row?.name
})

// The live clock: start-up retries really wait.
layer(TestDatabase.layerEmpty, { excludeTestServices: true })("Database", (it) => {
  it.effect("answers the health query", () =>
    Effect.gen(function*() {
      const database = yield* Database
      yield* database.health
    }))

  it.effect("start-up keeps retrying until PostgreSQL comes up, then connects", () =>
    Effect.gen(function*() {
      const { name, url } = yield* TestDatabase
      const port = yield* freePort
      const relayStarted = yield* Ref.make(false)
      const startup = yield* Effect.forkChild(
        Effect.gen(function*() {
          const database = yield* Database
          yield* database.health
          return [yield* Ref.get(relayStarted), yield* currentDatabase] as const
        }).pipe(
          Effect.provide(Database.layer({ url: withPort(url, port), poolSize: 2, startupTimeout: "20 seconds" }))
        )
      )
      yield* Effect.sleep("1200 millis")
      yield* relay(port, new URL(Redacted.value(url)))
      yield* Ref.set(relayStarted, true)
      assert.deepStrictEqual(yield* Fiber.join(startup), [true, name])
    }).pipe(Effect.scoped))

  it.effect("a database that does not exist fails at once with a DatabaseError, without retrying", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase
      const missing = withPort(url, Number(new URL(Redacted.value(url)).port || 5432), "vigia_no_such_database")
      const started = Date.now()
      const error = yield* Effect.flip(
        Effect.provide(Effect.void, Database.layer({ url: missing, poolSize: 1, startupTimeout: "30 seconds" }))
      )
      assert.strictEqual(error._tag, "DatabaseError")
      assert.isBelow(Date.now() - started, 5_000)
      assert.notInclude(error.message, "postgres://")
    }))

  it.effect("a URL asking for TLS never falls back to plain text (this server has no TLS)", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase
      const parsed = new URL(Redacted.value(url))
      parsed.searchParams.set("sslmode", "require")
      const error = yield* Effect.flip(
        Effect.provide(
          Effect.void,
          Database.layer({ url: Redacted.make(parsed.toString()), poolSize: 1, startupTimeout: "1 second" })
        )
      )
      assert.strictEqual(error._tag, "DatabaseError")
      assert.match(error.message, /SSL|TLS/i)
    }))

  it.effect("reads DATABASE_URL and DATABASE_POOL_SIZE from configuration", () =>
    Effect.gen(function*() {
      const { name, url } = yield* TestDatabase
      const configured = Data.database.pipe(
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({
          DATABASE_URL: Redacted.value(url),
          DATABASE_POOL_SIZE: "3"
        })))
      )
      const found = yield* Effect.gen(function*() {
        yield* (yield* Database).health
        return yield* currentDatabase
      }).pipe(Effect.provide(configured))
      assert.strictEqual(found, name)
    }))
})
