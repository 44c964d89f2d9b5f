/**
 * The data concern as one layer: PostgreSQL (an embedded cluster when `DATABASE_URL` is unset), migrated, and
 * every repository over it.
 */
import { Config, Effect, Layer, Option } from "effect"
import * as DataConfig from "../config/DataConfig.ts"
import * as PlansConfig from "../config/PlansConfig.ts"
import { ActiveGroups } from "./ActiveGroups.ts"
import { AuditLog } from "./AuditLog.ts"
import { Conversations } from "./Conversations.ts"
import { DailySummaries } from "./DailySummaries.ts"
import { Database } from "./Database.ts"
import { EmbeddedPostgres } from "./EmbeddedPostgres.ts"
import * as Migrations from "./Migrations.ts"
import { OrderHistory } from "./OrderHistory.ts"
import { OrderRetention } from "./OrderRetention.ts"
import { Orders } from "./Orders.ts"
import { OrderSteps } from "./OrderSteps.ts"
import { PlanPayments } from "./PlanPayments.ts"
import { PlanReviews } from "./PlanReviews.ts"
import { PriceTableDrafts } from "./PriceTableDrafts.ts"
import { PriceTables } from "./PriceTables.ts"
import { SellerErasure } from "./SellerErasure.ts"
import { SellerSettings } from "./SellerSettings.ts"
import { Sessions } from "./Sessions.ts"
import { NewSellerPlan, Subscriptions } from "./Subscriptions.ts"
import { Users } from "./Users.ts"
import { WorkerNodes } from "./WorkerNodes.ts"

/**
 * Every repository, over the `SqlClient` in context (tests give them a fresh database). Payments and drafts use the
 * same `Subscriptions` and `PriceTables` as everyone (a layer is built once however often it is provided), so a payment
 * refreshes the one cache of subscriptions.
 */
export const repositories = Layer.mergeAll(
  Users.layer,
  Subscriptions.layer,
  PlanPayments.layer.pipe(Layer.provide(Subscriptions.layer)),
  PriceTableDrafts.layer.pipe(Layer.provide(PriceTables.layer)),
  ActiveGroups.layer,
  PriceTables.layer,
  Sessions.layer,
  Orders.layer,
  OrderHistory.layer,
  OrderSteps.layer,
  AuditLog.layer,
  Conversations.layer,
  PlanReviews.layer,
  SellerSettings.layer,
  DailySummaries.layer,
  OrderRetention.layer,
  SellerErasure.layer,
  WorkerNodes.layer
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

/** The plan new sellers start on (`DEFAULT_PLAN`, `DEFAULT_PLAN_DAYS`). */
const newSellerPlan = Layer.effect(NewSellerPlan, Config.unwrap(PlansConfig.newSellers))

export const layer = repositories.pipe(
  Layer.provide(newSellerPlan),
  Layer.provideMerge(Migrations.layer),
  Layer.provideMerge(database)
)
