/**
 * A fresh PostgreSQL database per test file on the machine's server (`TEST_DATABASE_URL`,
 * default postgres://postgres@127.0.0.1:5432/postgres), dropped when the file's layer closes.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Crypto from "node:crypto"
import { Database } from "../../src/data/Database.ts"
import * as Migrations from "../../src/data/Migrations.ts"

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

const createDatabase = Effect.gen(function*() {
  const name = `vigia_test_${Crypto.randomBytes(6).toString("hex")}`
  // One connection, not a pool: a pool cannot open a connection for the DROP while its own scope closes.
  const admin = yield* PgClient.makeClient({ url: Redacted.make(serverUrl) }).pipe(Effect.provide(Reactivity.layer))
  yield* Effect.acquireRelease(
    admin`CREATE DATABASE ${admin(name)}`,
    () => admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`.pipe(Effect.orDie)
  )
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { name, url: Redacted.make(url.toString()) }
}).pipe(Effect.orDie)

export class TestDatabase extends Context.Service<TestDatabase, {
  readonly name: string
  readonly url: Redacted.Redacted<string>
}>()("@vigia/control/test/support/TestDatabase") {
  /** An empty database, with the real `Database` layer (pool, `SqlClient`, `PgClient`) over it. */
  static readonly layerEmpty = Layer.unwrap(Effect.gen(function*() {
    const database = yield* createDatabase
    return Layer.merge(
      Layer.succeed(TestDatabase, TestDatabase.of(database)),
      Database.layer({ url: database.url, poolSize: 10, startupTimeout: "10 seconds" })
    )
  })).pipe(Layer.orDie)

  /** The same database, migrated. */
  static readonly layer = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(
    Layer.provideMerge(TestDatabase.layerEmpty)
  )
}
