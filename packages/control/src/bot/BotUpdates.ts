/**
 * Feeds Telegram's updates to the bot: long polling by default, or a webhook when a public URL is configured.
 * Updates of one seller run in order; different sellers run concurrently. Start-up waits for `getMe` only.
 */
import { Clock, Config, Context, Deferred, Duration, Effect, Fiber, FiberSet, Layer, Option, Redacted, Schedule } from "effect"
import type { Update, UserFromGetMe } from "grammy/types"
import { BotMiddleware } from "./BotMiddleware.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

export interface WebhookOptions {
  /** A public URL for Telegram's webhook; long polling when none. */
  readonly url: Option.Option<string>
  /** The secret Telegram sends with each update to the webhook. */
  readonly secret: Option.Option<Redacted.Redacted<string>>
}

export interface BotUpdatesOptions extends WebhookOptions {
  /** Long polling's `timeout`: how long Telegram holds a `getUpdates` with nothing to hand. */
  readonly pollTimeout: Duration.Duration
}

/** How long shutdown waits for the updates in progress to finish. */
const drainTimeout = Duration.seconds(10)

/** The least time between two polls that came back empty: a server ignoring `timeout` is not asked in a busy loop. */
const emptyPollGap = Duration.seconds(1)

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
  /**
   * Readiness: the bot knows who it is (`getMe`) and receives updates: its webhook is set, or a `getUpdates`
   * was answered within two poll timeouts and ten seconds.
   */
  readonly ready: Effect.Effect<boolean>
}>()("@vigia/control/bot/BotUpdates") {
  static readonly layer = (options: BotUpdatesOptions) => Layer.effect(BotUpdates, make(options))

  static readonly layerConfig = (config: Config.Wrap<BotUpdatesOptions>) =>
    Layer.effect(BotUpdates, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: BotUpdatesOptions) {
  const telegram = yield* TelegramBot
  const middleware = yield* BotMiddleware
  const bot = telegram.bot
  const running = yield* FiberSet.make<void, never>()
  /** The last update queued per seller: the next one of that seller waits for it. */
  const tails = new Map<number, Deferred.Deferred<void>>()
  const pollSeconds = Math.max(1, Math.round(Duration.toSeconds(options.pollTimeout)))
  const staleAfter = 2 * pollSeconds * 1000 + 10_000
  let identified = false
  let webhookSet = false
  /** When a `getUpdates` was last answered (0: never). */
  let lastPoll = 0

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

  // Start-up waits for this alone, with our schedule and a line per try (grammY's `bot.init` retries silently).
  const identify = telegram.call("getMe", (api, signal) => api.getMe(signal)).pipe(
    Effect.tapError((error) =>
      Effect.logWarning("waiting for Telegram: getMe failed; the bot starts once it answers, retrying", error.message)
    ),
    Effect.retry(cappedBackoff("1 second", "30 seconds")),
    Effect.tap((me) =>
      Effect.sync(() => {
        bot.botInfo = me
        identified = true
      })
    )
  )

  // Optional: a server may refuse it (an emulator does) and the bot works without its menu.
  const setCommands = telegram.call("setMyCommands", (api, signal) => api.setMyCommands([...Texts.commandList], {}, signal)).pipe(
    Effect.tapError((error) => Effect.logWarning("the commands menu could not be set; retrying in the background", error.message)),
    Effect.retry(cappedBackoff("1 second", "10 minutes")),
    Effect.andThen(Effect.logInfo("the commands menu is set"))
  )

  /** The next update to ask Telegram for; everything before it was handed to the bot. */
  let offset = 0

  const getUpdates = (timeout: number) =>
    telegram.call("getUpdates", (api, signal) =>
      api.getUpdates({ offset, timeout, allowed_updates: ["message", "callback_query", "pre_checkout_query"] }, signal)).pipe(
        Effect.tapError((error) => Effect.logWarning("getUpdates failed; retrying", error.message)),
        Effect.retry(cappedBackoff("500 millis", "15 seconds"))
      )

  const poll = (me: UserFromGetMe) =>
    Effect.gen(function*() {
      yield* telegram.call("deleteWebhook", (api, signal) => api.deleteWebhook({}, signal))
      // The first poll answers at once: readiness does not wait a poll timeout.
      let timeout = 0
      while (true) {
        const asked = yield* Clock.currentTimeMillis
        const updates = yield* getUpdates(timeout)
        if (lastPoll === 0) yield* Effect.logInfo("bot is ready: polling Telegram for updates", { bot: `@${me.username}` })
        lastPoll = yield* Clock.currentTimeMillis
        timeout = pollSeconds
        for (const update of updates) {
          yield* dispatch(update)
          offset = update.update_id + 1
        }
        const tooSoon = Duration.toMillis(emptyPollGap) - (lastPoll - asked)
        if (updates.length === 0 && tooSoon > 0) yield* Effect.sleep(Duration.millis(tooSoon))
      }
    })

  /** Polls for as long as the scope lasts: a loop that stops for any reason is logged and started again. */
  const polling = (me: UserFromGetMe) =>
    poll(me).pipe(
      Effect.catchCause((cause) => Effect.logError("the polling loop stopped; starting it again", cause)),
      Effect.repeat(cappedBackoff("1 second", "30 seconds"))
    )

  const webhook = (url: string) =>
    telegram.call("setWebhook", (api, signal) =>
      api.setWebhook(url, {
        allowed_updates: ["message", "callback_query", "pre_checkout_query"],
        ...Option.match(options.secret, {
          onNone: () => ({}),
          onSome: (secret) => ({ secret_token: Redacted.value(secret) })
        })
      }, signal)).pipe(
        Effect.tapError((error) => Effect.logWarning("setWebhook failed; retrying", error.message)),
        Effect.retry(cappedBackoff("1 second", "30 seconds")),
        Effect.andThen(Effect.sync(() => void (webhookSet = true))),
        Effect.andThen(Effect.logInfo("bot is ready: Telegram posts updates to its webhook"))
      )

  const poller = yield* Effect.forkScoped(Effect.gen(function*() {
    const me = yield* identify
    yield* Effect.forkScoped(setCommands)
    yield* Option.match(options.url, { onNone: () => polling(me), onSome: webhook })
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
      Effect.andThen(Option.isNone(options.url) && offset > 0 ? confirm : Effect.void)
    )
  )

  const ready = Effect.map(Clock.currentTimeMillis, (now) =>
    identified && (Option.isSome(options.url) ? webhookSet : lastPoll > 0 && now - lastPoll < staleAfter))

  return BotUpdates.of({ dispatch, ready })
})
