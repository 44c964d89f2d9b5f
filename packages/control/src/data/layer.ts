/**
 * The data concern as one layer: PostgreSQL (an embedded cluster when `DATABASE_URL` is unset), migrated, and
 * every repository over it.
 */
import { Config, Effect, Layer, Option } from "effect"
import * as DataConfig from "../config/DataConfig.ts"
import { ActiveGroups } from "./ActiveGroups.ts"
import { AuditLog } from "./AuditLog.ts"
import { Conversations } from "./Conversations.ts"
import { Database } from "./Database.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import * as Migrations from "./Migrations.ts"
import { Orders } from "./Orders.ts"
import { OrderSteps } from "./OrderSteps.ts"
import { PriceTables } from "./PriceTables.ts"
import { Sessions } from "./Sessions.ts"
import { Subscriptions } from "./Subscriptions.ts"
import { Users } from "./Users.ts"

/** Every repository, over the `SqlClient` in context (tests give them a fresh database). */
export const repositories = Layer.mergeAll(
  Users.layer,
  Subscriptions.layer,
  ActiveGroups.layer,
  PriceTables.layer,
  Sessions.layer,
  Orders.layer,
  OrderSteps.layer,
  AuditLog.layer,
  Conversations.layer
)

/** The configured PostgreSQL: `DATABASE_URL`'s, or the embedded one. */
export const database = Layer.unwrap(Effect.gen(function*() {
  const url = yield* DataConfig.url
  const pool = yield* Config.unwrap(DataConfig.pool)
  return Option.match(url, {
    onSome: (url) => Database.layer({ ...pool, url }),
    onNone: () => Database.layerEmbedded(pool).pipe(Layer.provide(EmbeddedPostgres.layerConfig(DataConfig.embeddedPostgres)))
  })
}))

export const layer = repositories.pipe(Layer.provideMerge(Migrations.layer), Layer.provideMerge(database))
