/**
 * The session worker's entry point (`node packages/session-worker/dist/main.js`): configuration
 * from the environment, TDLib and Redis under the worker, until SIGTERM or SIGINT.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { mask } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Console, Effect, Exit, Layer, Logger } from "effect"
import { Tdl } from "./Tdl.ts"
import * as Worker from "./Worker.ts"
import { WorkerConfig } from "./WorkerConfig.ts"

const program = Effect.gen(function*() {
  const config = yield* WorkerConfig
  const logger = Logger.layer([config.logFormat === "json" ? Logger.consoleJson : Logger.consolePretty()])
  const worker = Worker.layer.pipe(
    Layer.provide(Tdl.layerFromConfig),
    Layer.provide(Queue.layerBullMq({ redisUrl: config.redisUrl, prefix: config.queuePrefix })),
    Layer.provide(Layer.succeed(WorkerConfig, config)),
    Layer.provide(NodeFileSystem.layer)
  )
  return yield* Layer.launch(worker).pipe(
    Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the worker stopped", cause)),
    Effect.annotateLogs({ account: mask(config.phone), containerId: config.containerId }),
    Effect.provide(logger)
  )
}).pipe(
  Effect.provide(WorkerConfig.layer),
  Effect.catchTag("InvalidConfiguration", (error) => Console.error(error.line).pipe(Effect.andThen(Effect.fail(error))))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  // SIGTERM and SIGINT are the normal way out: TDLib is closed by then, so they exit 0.
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
