/**
 * The session worker's entry point (bundled as `packages/session-worker/dist/bundle/main.js`): configuration
 * from the environment, TDLib and Redis under the worker, until SIGTERM or SIGINT.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { mask } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Console, Effect, Exit, Layer, Logger } from "effect"
import * as IdleMemory from "./IdleMemory.ts"
import * as Program from "./Program.ts"
import { programSettings } from "./WorkerConfig.ts"

const main = Effect.gen(function*() {
  const { logFormat, queue, worker } = yield* programSettings
  const program = Program.make(worker).pipe(
    Layer.provide([Queue.layerBullMq(queue), NodeFileSystem.layer]),
    // Started, the worker mostly idles: what start-up left behind is given back rather than kept for good.
    Layer.tap(() => IdleMemory.collectStartupGarbage.pipe(Effect.delay(IdleMemory.settleTime), Effect.forkScoped))
  )
  return yield* Layer.launch(program).pipe(
    Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the worker stopped", cause)),
    Effect.annotateLogs({ account: mask(worker.phone), containerId: worker.containerId }),
    Effect.provide(Logger.layer([logFormat === "json" ? Logger.consoleJson : Logger.consolePretty()]))
  )
}).pipe(
  Effect.catchTag("InvalidConfiguration", (error) =>
    Console.error(error.lines.join("\n")).pipe(Effect.andThen(Effect.fail(error))))
)

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  // SIGTERM and SIGINT are the normal way out: TDLib is closed by then, so they exit 0.
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
