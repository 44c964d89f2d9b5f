/**
 * The control plane's entry point. Until the bot, data layer, queues and
 * container manager land, it validates configuration and says what is missing.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect } from "effect"

const configuration = Config.all({
  botToken: Config.Redacted("BOT_TOKEN"),
  telegramApiId: Config.Int("TELEGRAM_API_ID"),
  telegramApiHash: Config.Redacted("TELEGRAM_API_HASH")
})

const program = Effect.gen(function*() {
  yield* configuration
  yield* Effect.logInfo("configuration is valid")
  yield* Effect.logWarning(
    "the control plane is not built yet: the bot, data layer, queues and session workers arrive with the next changes"
  )
})

NodeRuntime.runMain(program)
