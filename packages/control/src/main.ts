/**
 * The control plane's entry point: the bot, the data layer, the queues, the container manager
 * and event processing composed into one program, configured only from the environment.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import * as BotNotifier from "./bot/BotNotifier.ts"
import * as BotRouter from "./bot/BotRouter.ts"
import { BotUpdates } from "./bot/BotUpdates.ts"
import * as ConfigCheck from "./config/ConfigCheck.ts"
import * as ControlConfig from "./config/ControlConfig.ts"
import * as Data from "./data/layer.ts"
import * as Http from "./http/layer.ts"
import * as Logging from "./observability/Logging.ts"
import * as Queues from "./queues/layer.ts"
import { ControlSettings } from "./config/ControlSettings.ts"
import { EventProcessor } from "./events/EventProcessor.ts"
import { GroupsMenu } from "./bot/features/GroupsMenu.ts"
import { LoginFlow } from "./bot/features/LoginFlow.ts"
import { PriceTableFlow } from "./bot/features/PriceTableFlow.ts"
import { PurchaseHandler } from "./events/PurchaseHandler.ts"
import { RateLimiter } from "./bot/RateLimiter.ts"
import * as Sessions from "./sessions/layer.ts"
import { SubscriptionGuard } from "./bot/SubscriptionGuard.ts"
import { TelegramBot } from "./bot/TelegramBot.ts"


/**
 * The bot and what reacts to the sessions' updates: the notifier (the bot's side of the events),
 * purchases and event processing, the seller's flows, the update router and the feed of updates.
 */
const Bot = BotUpdates.layer.pipe(
  Layer.provide(BotRouter.layer),
  Layer.provideMerge(Layer.mergeAll(LoginFlow.layer, PriceTableFlow.layer, SubscriptionGuard.layer, RateLimiter.layer)),
  Layer.provideMerge(EventProcessor.layer),
  Layer.provideMerge(PurchaseHandler.layer),
  Layer.provideMerge(BotNotifier.layer),
  Layer.provideMerge(GroupsMenu.layer),
  Layer.provideMerge(TelegramBot.layer)
)

const Control = Http.layer.pipe(
  Layer.provideMerge(Bot),
  Layer.provideMerge(Sessions.layer),
  Layer.provideMerge(Queues.layer),
  Layer.provideMerge(Data.layer),
  Layer.provideMerge(ControlSettings.layer)
)

const program = ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
  Effect.andThen(Layer.launch(Control)),
  Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the control plane stopped", cause)),
  Effect.provide(Logging.layer),
  Effect.catchTag("InvalidConfiguration", (error) => Console.error(error.lines.join("\n")).pipe(Effect.andThen(Effect.fail(error))))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
