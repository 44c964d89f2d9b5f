/**
 * The session worker's entry point (bundled as `packages/session-worker/dist/bundle/main.js`): configuration
 * from the environment, TDLib and Redis under the worker (or, `POOL_ID` set, under each account of a pool),
 * until SIGTERM or SIGINT.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { mask } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import { Cause, Console, Effect, Exit, Layer, Logger, Option, Redacted } from "effect"
import * as IdleMemory from "./IdleMemory.ts"
import * as Pool from "./Pool.ts"
import { isPool, poolSettings } from "./PoolConfig.ts"
import * as Program from "./Program.ts"
import { InvalidConfiguration, programSettings } from "./WorkerConfig.ts"

/** One account's worker over its queues. */
const single = Effect.map(programSettings, ({ logFormat, queue, worker }) => ({
  logFormat,
  program: Program.make(worker).pipe(Layer.provide(Queue.layerBullMq(queue))),
  annotations: { account: mask(worker.phone), containerId: worker.containerId }
}))

/** A pool of accounts, its roster read as the pool's own Redis user. */
const pool = Effect.flatMap(poolSettings, (settings) =>
  Option.match(settings.redisUrl, {
    onNone: () => Effect.fail(new InvalidConfiguration({ lines: ["invalid configuration: REDIS_URL is required"] })),
    onSome: (redisUrl) =>
      Effect.succeed({
        logFormat: settings.logFormat,
        program: Pool.layer(settings).pipe(
          Layer.provide(Queue.layerBullMq({ redisUrl: Redacted.make(Redacted.value(redisUrl)), prefix: settings.prefix }))
        ),
        annotations: { pool: settings.poolId, containerId: settings.containerId }
      })
  }))

const main = Effect.gen(function*() {
  const { annotations, logFormat, program } = yield* ((yield* isPool) ? pool : single)
  const launched = program.pipe(
    Layer.provide(NodeFileSystem.layer),
    // Started, the worker mostly idles: what start-up left behind is given back rather than kept for good.
    Layer.tap(() => IdleMemory.collectStartupGarbage.pipe(Effect.delay(IdleMemory.settleTime), Effect.forkScoped))
  )
  return yield* Layer.launch(launched).pipe(
    Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("the worker stopped", cause)),
    Effect.annotateLogs(annotations),
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
