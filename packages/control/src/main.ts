/**
 * The control plane's entry point: the bot, the data layer, the queues, the container manager
 * and event processing composed into one program, configured only from the environment.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Config, Console, Effect, Exit, Layer, Logger, Option } from "effect"
import * as BotNotifier from "./bot/BotNotifier.ts"
import * as BotRouter from "./bot/BotRouter.ts"
import { BotUpdates } from "./bot/BotUpdates.ts"
import * as ConfigCheck from "./config/ConfigCheck.ts"
import { ControlMetrics } from "./http/ControlMetrics.ts"
import { ControlSettings } from "./config/ControlSettings.ts"
import * as DataServices from "./data/DataServices.ts"
import { Database } from "./data/Database.ts"
import { EventProcessor } from "./events/EventProcessor.ts"
import { GroupsMenu } from "./bot/features/GroupsMenu.ts"
import * as HttpEndpoint from "./http/HttpEndpoint.ts"
import { LoginFlow } from "./bot/features/LoginFlow.ts"
import * as Migrations from "./data/Migrations.ts"
import { PriceTableFlow } from "./bot/features/PriceTableFlow.ts"
import { PurchaseHandler } from "./events/PurchaseHandler.ts"
import { RateLimiter } from "./bot/RateLimiter.ts"
import { Readiness } from "./http/Readiness.ts"
import * as Sessions from "./sessions/layer.ts"
import { SubscriptionGuard } from "./bot/SubscriptionGuard.ts"
import { TelegramBot } from "./bot/TelegramBot.ts"

/** PostgreSQL (the embedded one when `DATABASE_URL` is unset), migrated, and the services over it. */
const Data = DataServices.layer.pipe(Layer.provideMerge(Migrations.layer.pipe(Layer.provideMerge(Database.layer))))

/** Redis queues when `REDIS_URL` is set, else the in-memory queue of the single-process mode. */
const Queues = Layer.unwrap(Effect.map(
  Config.option(Config.String("REDIS_URL")),
  (redis) => Option.isSome(redis) ? Queue.layerBullMq : Queue.layerMemory
))

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

const Probes = Layer.unwrap(Effect.gen(function*() {
  const database = yield* Database
  const updates = yield* BotUpdates
  return Readiness.make([
    { name: "postgresql", probe: database.health },
    { name: "telegram", probe: Effect.filterOrFail(updates.ready, (ready) => ready, () => new Error("not connected yet")) }
  ])
}))

const Control = HttpEndpoint.layer.pipe(
  Layer.provide(Layer.merge(Probes, ControlMetrics.layer)),
  Layer.provideMerge(Bot),
  Layer.provideMerge(Sessions.layer),
  Layer.provideMerge(Queues),
  Layer.provideMerge(Data),
  Layer.provideMerge(ControlSettings.layer)
)

const logger = Layer.unwrap(Effect.map(
  Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("pretty" as const)),
  (format) => Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()])
))

const program = ConfigCheck.run.pipe(
  Effect.andThen(Layer.launch(Control)),
  Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the control plane stopped", cause)),
  Effect.provide(logger),
  Effect.catchTag("InvalidConfiguration", (error) => Console.error(error.lines.join("\n")).pipe(Effect.andThen(Effect.fail(error))))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
