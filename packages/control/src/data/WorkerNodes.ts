/**
 * The Swarm node each worker that is no account (a pool) is pinned to: accounts keep theirs with their session
 * (`sessions.node_id`), a pool has no session, so its node is kept here, by its worker's name.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { type DatabaseError, orDatabaseError } from "./Database.ts"

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ name: PhoneNumber, nodeId: Schema.String })))

export class WorkerNodes extends Context.Service<WorkerNodes, {
  /** The node recorded for the worker `name`. */
  readonly get: (name: PhoneNumber) => Effect.Effect<Option.Option<string>, DatabaseError>
  /** Every worker's recorded node, by name. */
  readonly list: Effect.Effect<ReadonlyMap<PhoneNumber, string>, DatabaseError>
  /** Records the worker's node, or forgets it (none). */
  readonly set: (name: PhoneNumber, node: Option.Option<string>) => Effect.Effect<void, DatabaseError>
}>()("@vigia/control/data/WorkerNodes") {
  static readonly layer = Layer.effect(
    WorkerNodes,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = (query: Effect.Effect<ReadonlyArray<unknown>, SqlError>) =>
        query.pipe(Effect.flatMap(decodeRows), Effect.map((found) => new Map(found.map((row) => [row.name, row.nodeId]))))

      const get = Effect.fn("WorkerNodes.get")(function*(name: PhoneNumber) {
        const found = yield* rows(sql`SELECT name, node_id FROM worker_nodes WHERE name = ${name}`)
        return Option.fromNullishOr(found.get(name))
      }, orDatabaseError)

      const list = rows(sql`SELECT name, node_id FROM worker_nodes`).pipe(orDatabaseError, Effect.withSpan("WorkerNodes.list"))

      const set = Effect.fn("WorkerNodes.set")(function*(name: PhoneNumber, node: Option.Option<string>) {
        if (Option.isNone(node)) return yield* sql`DELETE FROM worker_nodes WHERE name = ${name}`
        const now = yield* DateTime.nowAsDate
        return yield* sql`
          INSERT INTO worker_nodes (name, node_id, updated_at) VALUES (${name}, ${node.value}, ${now})
          ON CONFLICT (name) DO UPDATE SET node_id = EXCLUDED.node_id, updated_at = EXCLUDED.updated_at`
      }, (effect) => effect.pipe(Effect.asVoid, orDatabaseError))

      return WorkerNodes.of({ get, list, set })
    })
  )
}
