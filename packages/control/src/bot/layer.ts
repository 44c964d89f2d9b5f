/**
 * The bot, composed: the grammY bot and the runner of its Effect handlers, the rate limiter and the subscription
 * guard, the features, the middleware that puts them in order, the feed of updates, the notifier that tells
 * sellers what their accounts do, and the order reports the delivery sends through it. It needs the data services
 * and the sessions' public services.
 */
import { Layer } from "effect"
import * as BotConfig from "../config/BotConfig.ts"
import { BotMiddleware } from "./BotMiddleware.ts"
import * as BotNotifier from "./BotNotifier.ts"
import * as BotReports from "./BotReports.ts"
import { BotUpdates } from "./BotUpdates.ts"
import { Account } from "./features/Account.ts"
import { Admin } from "./features/Admin.ts"
import { Groups } from "./features/Groups.ts"
import { Login } from "./features/Login.ts"
import { LoginSteps } from "./features/LoginSteps.ts"
import { PriceTable } from "./features/PriceTable.ts"
import { Handlers } from "./Handlers.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { SubscriptionGuard } from "./SubscriptionGuard.ts"
import { TelegramBot } from "./TelegramBot.ts"

/** What the webhook endpoint hands its updates to (and asks whether the bot reached Telegram). */
export { BotUpdates }

const Internals = Layer.mergeAll(
  Account.layer,
  Login.layer,
  LoginSteps.layer,
  Groups.layer,
  PriceTable.layer,
  Admin.layer,
  RateLimiter.layerConfig(BotConfig.rateLimit),
  SubscriptionGuard.layerConfig(BotConfig.guard)
).pipe(
  Layer.provideMerge(Handlers.layer),
  Layer.provideMerge(TelegramBot.layerConfig(BotConfig.telegram))
)

/** `BotUpdates` (the webhook's way in), `SellerNotifier` (the events' way to the sellers), `OrderReports` (the delivery's). */
export const layer = Layer.mergeAll(BotUpdates.layerConfig(BotConfig.webhook), BotNotifier.layer, BotReports.layer).pipe(
  Layer.provide(BotMiddleware.layer),
  Layer.provide(Internals)
)
