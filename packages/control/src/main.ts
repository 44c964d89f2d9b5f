/**
 * The control plane's entry point: the bot, the data layer, the queues, the container manager
 * and event processing composed into one program, configured only from the environment.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Config, Console, Effect, Exit, Layer, Logger, Option } from "effect"
import * as Bot from "./bot/layer.ts"
import * as ConfigCheck from "./config/ConfigCheck.ts"
import * as ContainerManager from "./sessions/manager/ContainerManager.ts"
import { ControlMetrics } from "./http/ControlMetrics.ts"
import { ControlSettings } from "./config/ControlSettings.ts"
import * as DataServices from "./data/DataServices.ts"
import { Database } from "./data/Database.ts"
import { EventProcessor } from "./events/EventProcessor.ts"
import * as HttpEndpoint from "./http/HttpEndpoint.ts"
import * as Migrations from "./data/Migrations.ts"
import { PurchaseHandler } from "./events/PurchaseHandler.ts"
import { Readiness } from "./http/Readiness.ts"
import { SessionGateway } from "./sessions/SessionGateway.ts"
import { SessionKeys } from "./sessions/SessionKeys.ts"
import { WatchedChats } from "./sessions/WatchedChats.ts"

/** PostgreSQL (the embedded one when `DATABASE_URL` is unset), migrated, and the services over it. */
const Data = DataServices.layer.pipe(Layer.provideMerge(Migrations.layer.pipe(Layer.provideMerge(Database.layer))))

/** Redis queues when `REDIS_URL` is set, else the in-memory queue of the single-process mode. */
const Queues = Layer.unwrap(Effect.map(
  Config.option(Config.String("REDIS_URL")),
  (redis) => Option.isSome(redis) ? Queue.layerBullMq : Queue.layerMemory
))

/** Sessions: their keys, the container manager running their workers, and the RPC gateway to them. */
const SessionLayers = Layer.mergeAll(SessionGateway.layer, WatchedChats.layer).pipe(
  Layer.provideMerge(SessionGateway.layer),
  Layer.provideMerge(ContainerManager.layerConfig),
  // The runtime too (the one the manager runs on): the bot records it with each new session.
  Layer.provideMerge(ContainerManager.runtimeLayerConfig),
  Layer.provideMerge(SessionKeys.layer)
)

/** What reacts to the sessions' updates: event processing and purchases, telling sellers through the bot. */
const Events = EventProcessor.layer.pipe(Layer.provideMerge(PurchaseHandler.layer))

const Probes = Layer.unwrap(Effect.gen(function*() {
  const database = yield* Database
  const updates = yield* Bot.BotUpdates
  return Readiness.make([
    { name: "postgresql", probe: database.health },
    { name: "telegram", probe: Effect.filterOrFail(updates.ready, (ready) => ready, () => new Error("not connected yet")) }
  ])
}))

const Control = HttpEndpoint.layer.pipe(
  Layer.provide(Layer.merge(Probes, ControlMetrics.layer)),
  Layer.provideMerge(Events),
  Layer.provideMerge(Bot.layer),
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
