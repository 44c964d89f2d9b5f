/**
 * Validates the control plane's whole configuration before anything starts, and reports
 * every problem at once, one line per variable, instead of failing on the first.
 */
import { Config, Effect, Option, Schema } from "effect"

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  lines: Schema.Array(Schema.String)
}) {}

const driver = Config.Literals(["tdlib", "fake"], "TDL_DRIVER").pipe(Config.withDefault("tdlib" as const))
const runtime = Config.option(Config.Literals(["inline", "process", "docker", "swarm"], "CONTAINER_RUNTIME"))

/** One variable's check: passes, or says in a line what is wrong with it. */
const check = (name: string, config: Config.Config<unknown>, hint: string) =>
  Effect.map(Effect.result(config), (result) =>
    result._tag === "Success" ? Option.none() : Option.some(`${name}: ${hint}`))

export const run = Effect.gen(function*() {
  const telegramDriver = yield* Effect.orElseSucceed(driver, () => "tdlib" as const)
  const chosenRuntime = yield* Effect.orElseSucceed(runtime, () => Option.none())
  const redis = yield* Effect.orElseSucceed(Config.option(Config.String("REDIS_URL")), () => Option.none())
  const needsRedis = Option.isSome(chosenRuntime) && chosenRuntime.value !== "inline"
  const problems = yield* Effect.all([
    check("BOT_TOKEN", Config.NonEmptyString("BOT_TOKEN"), "required: the bot's token from @BotFather"),
    check("TDL_DRIVER", driver, "must be tdlib or fake"),
    check("CONTAINER_RUNTIME", runtime, "must be inline, process, docker or swarm"),
    ...(telegramDriver === "tdlib"
      ? [
        check("TELEGRAM_API_ID", Config.Int("TELEGRAM_API_ID"), "required (a number from my.telegram.org), unless TDL_DRIVER=fake"),
        check("TELEGRAM_API_HASH", Config.NonEmptyString("TELEGRAM_API_HASH"), "required (from my.telegram.org), unless TDL_DRIVER=fake")
      ]
      : []),
    ...(needsRedis && Option.isNone(redis)
      ? [Effect.succeed(Option.some(`REDIS_URL: required with CONTAINER_RUNTIME=${Option.getOrElse(chosenRuntime, () => "")}`))]
      : []),
    check("HTTP_PORT", Config.option(Config.Port("HTTP_PORT")), "must be a port number"),
    check("LOG_FORMAT", Config.option(Config.Literals(["json", "pretty"], "LOG_FORMAT")), "must be json or pretty"),
    check(
      "ADMIN_TELEGRAM_IDS",
      Config.option(Config.schema(Schema.String.check(Schema.isPattern(/^[\s,]*(?:[0-9]{1,16}[\s,]*)*$/)), "ADMIN_TELEGRAM_IDS")),
      "Telegram user ids separated by commas"
    )
  ])
  const lines = problems.flatMap((problem) => Option.isSome(problem) ? [`invalid configuration: ${problem.value}`] : [])
  if (lines.length > 0) return yield* new InvalidConfiguration({ lines })
})
