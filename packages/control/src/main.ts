/**
 * The control plane's entry point: the bot, the data layer, the queues, the container manager
 * and event processing composed into one program, configured only from the environment.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Config, Console, Duration, Effect, Exit, Layer, Logger, Option } from "effect"
import * as BotNotifier from "./BotNotifier.ts"
import * as BotRouter from "./BotRouter.ts"
import { BotUpdates } from "./BotUpdates.ts"
import * as ConfigCheck from "./ConfigCheck.ts"
import * as ContainerManager from "./ContainerManager.ts"
import { ControlMetrics } from "./ControlMetrics.ts"
import { ControlSettings } from "./ControlSettings.ts"
import * as DataServices from "./DataServices.ts"
import { Database } from "./Database.ts"
import { EventProcessor } from "./EventProcessor.ts"
import { GroupsMenu } from "./GroupsMenu.ts"
import * as HttpEndpoint from "./HttpEndpoint.ts"
import { LoginFlow } from "./LoginFlow.ts"
import * as Migrations from "./Migrations.ts"
import { PriceTableFlow } from "./PriceTableFlow.ts"
import { PurchaseHandler } from "./PurchaseHandler.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { Readiness } from "./Readiness.ts"
import { SessionGateway } from "./SessionGateway.ts"
import { SessionKeys } from "./SessionKeys.ts"
import { SubscriptionGuard } from "./SubscriptionGuard.ts"
import { TelegramBot } from "./TelegramBot.ts"
import { WatchedChats } from "./WatchedChats.ts"

/** PostgreSQL (the embedded one when `DATABASE_URL` is unset), migrated, and the services over it. */
const Data = DataServices.layer.pipe(Layer.provideMerge(Migrations.layer.pipe(Layer.provideMerge(Database.layer))))

/** Redis queues when `REDIS_URL` is set, else the in-memory queue of the single-process mode. */
const Queues = Layer.unwrap(Effect.map(
  Config.option(Config.String("REDIS_URL")),
  (redis) =>
    Option.isSome(redis)
      ? Queue.layerBullMqConfig(Config.all({
        redisUrl: Config.Redacted("REDIS_URL"),
        prefix: Config.String("QUEUE_PREFIX").pipe(Config.withDefault("bull")),
        idleTimeout: Config.Duration("QUEUE_IDLE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
        sweepInterval: Config.Duration("QUEUE_SWEEP_INTERVAL").pipe(Config.withDefault(Duration.seconds(60))),
        skipVersionCheck: Config.Boolean("QUEUE_SKIP_VERSION_CHECK").pipe(Config.withDefault(false))
      }))
      : Queue.layerMemory()
))

/** Sessions: their keys, the container manager running their workers, and the RPC gateway to them. */
const SessionLayers = Layer.mergeAll(SessionGateway.layer, WatchedChats.layer).pipe(
  Layer.provideMerge(SessionGateway.layer),
  Layer.provideMerge(ContainerManager.layerConfig),
  Layer.provideMerge(SessionKeys.layer)
)

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
  Layer.provideMerge(SessionLayers),
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
