/**
 * Feeds Telegram's updates to the bot: long polling by default, or a webhook when a public
 * URL is configured. Updates of one seller run in order; different sellers run concurrently.
 */
import { Config, Context, Deferred, Duration, Effect, Fiber, FiberSet, Layer, Option, Redacted, Schedule } from "effect"
import type { Update } from "grammy/types"
import { BotMiddleware } from "./BotMiddleware.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

export interface WebhookOptions {
  /** A public URL for Telegram's webhook; long polling when none. */
  readonly url: Option.Option<string>
  /** The secret Telegram sends with each update to the webhook. */
  readonly secret: Option.Option<Redacted.Redacted<string>>
}

/** How long shutdown waits for the updates in progress to finish. */
const drainTimeout = Duration.seconds(10)

/** Exponential backoff from `base`, never waiting longer than `max` between tries. */
const cappedBackoff = (base: Duration.Input, max: Duration.Input) =>
  Schedule.exponential(base).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.fromInputUnsafe(max))))
  )

const senderOf = (update: Update): number =>
  update.message?.from?.id ?? update.callback_query?.from.id ?? update.edited_message?.from?.id ??
    update.pre_checkout_query?.from.id ?? 0

export class BotUpdates extends Context.Service<BotUpdates, {
  /** Hands one update to the bot (the webhook calls this); returns once it is queued. */
  readonly dispatch: (update: Update) => Effect.Effect<void>
  /** Whether the bot reached Telegram at start-up (readiness). */
  readonly ready: Effect.Effect<boolean>
}>()("@vigia/control/bot/BotUpdates") {
  static readonly layer = (webhook: WebhookOptions) => Layer.effect(BotUpdates, make(webhook))

  static readonly layerConfig = (config: Config.Wrap<WebhookOptions>) =>
    Layer.effect(BotUpdates, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(webhookOptions: WebhookOptions) {
  const telegram = yield* TelegramBot
  const middleware = yield* BotMiddleware
  const bot = telegram.bot
  const running = yield* FiberSet.make<void, never>()
  /** The last update queued per seller: the next one of that seller waits for it. */
  const tails = new Map<number, Deferred.Deferred<void>>()
  let connected = false

  const dispatch = (update: Update) =>
    Effect.gen(function*() {
      const sender = senderOf(update)
      const previous = tails.get(sender)
      const done = yield* Deferred.make<void>()
      tails.set(sender, done)
      yield* FiberSet.run(
        running,
        Effect.gen(function*() {
          if (previous !== undefined) yield* Deferred.await(previous)
          yield* middleware.handleUpdate(update)
        }).pipe(
          Effect.ensuring(Effect.suspend(() => {
            if (tails.get(sender) === done) tails.delete(sender)
            return Deferred.succeed(done, undefined)
          }))
        )
      )
    })

  const start = Effect.gen(function*() {
    yield* telegram.call("getMe", () => bot.init())
    yield* telegram.call("setMyCommands", (api) => api.setMyCommands([...Texts.commandList]))
    connected = true
  }).pipe(
    Effect.tapError((error) => Effect.logWarning("Telegram is not reachable yet; retrying", error)),
    Effect.retry(cappedBackoff("1 second", "30 seconds"))
  )

  /** The next update to ask Telegram for; everything before it was handed to the bot. */
  let offset = 0

  const poll = Effect.gen(function*() {
    yield* telegram.call("deleteWebhook", (api) => api.deleteWebhook())
    while (true) {
      const updates = yield* telegram.call("getUpdates", (api, signal) =>
        api.getUpdates({ offset, timeout: 25, allowed_updates: ["message", "callback_query", "pre_checkout_query"] }, signal)).pipe(
          Effect.tapError((error) => Effect.logWarning("getUpdates failed; retrying", error)),
          Effect.retry(cappedBackoff("500 millis", "15 seconds"))
        )
      for (const update of updates) {
        yield* dispatch(update)
        offset = update.update_id + 1
      }
    }
  })

  const webhook = (url: string) =>
    telegram.call("setWebhook", (api) =>
      api.setWebhook(url, {
        allowed_updates: ["message", "callback_query", "pre_checkout_query"],
        ...Option.match(webhookOptions.secret, {
          onNone: () => ({}),
          onSome: (secret) => ({ secret_token: Redacted.value(secret) })
        })
      }))

  const poller = yield* Effect.forkScoped(Effect.gen(function*() {
    yield* start
    yield* Option.match(webhookOptions.url, {
      onNone: () => Effect.andThen(Effect.logInfo("bot is polling Telegram for updates"), poll),
      onSome: (url) => Effect.andThen(webhook(url), Effect.logInfo("bot receives updates through its webhook"))
    })
  }))

  // Graceful shutdown: polling stops first (its fiber is interrupted), the updates in progress
  // get a moment to finish, and Telegram is told which updates were handled, so a restarted
  // control plane does not handle them again.
  const confirm = telegram.call("getUpdates", (api) => api.getUpdates({ offset, limit: 1, timeout: 0 })).pipe(
    Effect.timeoutOption(drainTimeout),
    Effect.ignore
  )
  yield* Effect.addFinalizer(() =>
    Fiber.interrupt(poller).pipe(
      Effect.andThen(FiberSet.awaitEmpty(running).pipe(Effect.timeoutOption(drainTimeout))),
      Effect.andThen(Option.isNone(webhookOptions.url) && offset > 0 ? confirm : Effect.void)
    )
  )

  return BotUpdates.of({ dispatch, ready: Effect.sync(() => connected) })
})
