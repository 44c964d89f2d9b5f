/**
 * The control plane's entry point: the configuration checked, then every concern's layer composed into one
 * program, configured only from the environment.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import * as Bot from "./bot/layer.ts"
import * as ConfigCheck from "./config/ConfigCheck.ts"
import * as ControlConfig from "./config/ControlConfig.ts"
import * as Data from "./data/layer.ts"
import * as Delivery from "./delivery/layer.ts"
import * as Events from "./events/layer.ts"
import * as Http from "./http/layer.ts"
import * as Observability from "./observability/layer.ts"
import * as Plans from "./plans/layer.ts"
import * as Queues from "./queues/layer.ts"
import * as Retention from "./retention/layer.ts"
import * as Sessions from "./sessions/layer.ts"

/**
 * Each concern over the ones it builds on: HTTP, events, plans and retention over the delivery, over the bot, sessions, queues
 * and data.
 */
const Control = Layer.mergeAll(Http.layer, Events.layer, Plans.layer, Retention.layer).pipe(
  Layer.provideMerge(Delivery.layer),
  Layer.provideMerge(Bot.layer),
  Layer.provideMerge(Sessions.layer),
  Layer.provideMerge(Queues.layer),
  Layer.provideMerge(Data.layer)
)

const program = ConfigCheck.check(ControlConfig.areas, ControlConfig.hints).pipe(
  Effect.andThen(Layer.launch(Control)),
  Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the control plane stopped", cause)),
  Effect.provide(Observability.layer),
  Effect.catchTag("InvalidConfiguration", (error) => Console.error(error.lines.join("\n")).pipe(Effect.andThen(Effect.fail(error))))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
