/**
 * The bot, composed: the grammY bot and the runner of its Effect handlers, the rate limiter and the subscription
 * guard, the features, the middleware that puts them in order, the feed of updates, the notifier that tells
 * sellers what their accounts do, and the order reports the delivery sends through it. It needs the data services
 * and the sessions' public services.
 */
import { Layer } from "effect"
import * as BotConfig from "../config/BotConfig.ts"
import * as SellerDataConfig from "../config/SellerDataConfig.ts"
import { BotMiddleware } from "./BotMiddleware.ts"
import * as BotNotifier from "./BotNotifier.ts"
import * as BotPlanNotifier from "./BotPlanNotifier.ts"
import * as BotReports from "./BotReports.ts"
import { BotUpdates } from "./BotUpdates.ts"
import { Account } from "./features/Account.ts"
import { Admin } from "./features/Admin.ts"
import { AdminAudit } from "./features/AdminAudit.ts"
import { AdminSessions } from "./features/AdminSessions.ts"
import { DailySummary } from "./features/DailySummary.ts"
import { DeleteMyData } from "./features/DeleteMyData.ts"
import { Groups } from "./features/Groups.ts"
import { History } from "./features/History.ts"
import { Login } from "./features/Login.ts"
import { LoginSessions } from "./features/LoginSessions.ts"
import { LoginSteps } from "./features/LoginSteps.ts"
import { Payments } from "./features/Payments.ts"
import { PreCheckout } from "./features/PreCheckout.ts"
import { PriceEdits } from "./features/PriceEdits.ts"
import { PriceTable } from "./features/PriceTable.ts"
import { Refunds } from "./features/Refunds.ts"
import { Handlers } from "./Handlers.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { SubscriptionGuard } from "./SubscriptionGuard.ts"
import { Support } from "./Support.ts"
import { TelegramBot } from "./TelegramBot.ts"

/** What the webhook endpoint hands its updates to (and asks whether the bot reached Telegram). */
export { BotUpdates }

const Internals = Layer.mergeAll(
  Account.layerConfig(BotConfig.guard),
  Login.layer,
  LoginSteps.layer,
  Groups.layer,
  PriceTable.layer,
  PriceEdits.layer,
  History.layer,
  DailySummary.layerConfig(SellerDataConfig.summaries),
  DeleteMyData.layer,
  Payments.layerConfig(BotConfig.payments).pipe(Layer.provide(Layer.mergeAll(Refunds.layer, PreCheckout.layer))),
  Admin.layer.pipe(Layer.provide(Layer.mergeAll(AdminSessions.layer, AdminAudit.layer))),
  RateLimiter.layerConfig(BotConfig.rateLimit),
  SubscriptionGuard.layerConfig(BotConfig.guard)
).pipe(
  Layer.provideMerge(LoginSessions.layerConfig(BotConfig.login)),
  Layer.provideMerge(Handlers.layer),
  Layer.provideMerge(Support.layerConfig(BotConfig.support)),
  Layer.provideMerge(TelegramBot.layerConfig(BotConfig.telegram))
)

/**
 * `BotUpdates` (the webhook's way in), `SellerNotifier` (the events' way to the sellers), `PlanNotifier` (the plan
 * check's) and `OrderReports` (the delivery's).
 */
export const layer = Layer.mergeAll(
  BotUpdates.layerConfig({ ...BotConfig.webhook, pollTimeout: BotConfig.polling.timeout }),
  BotNotifier.layer,
  BotPlanNotifier.layer,
  BotReports.layer
).pipe(
  Layer.provide(BotMiddleware.layer),
  Layer.provide(Internals)
)
