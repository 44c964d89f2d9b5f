/**
 * The daily summary: `/resumo` turns it on at an hour of the seller's choice, off, or shows it; `/fuso` sets the
 * seller's time zone. A periodic pass finds the sellers whose hour came, claims each one's day in PostgreSQL (so one
 * replica alone sends it, once, across restarts), and sends their orders of the day per group through the bot's paced
 * sends. Telegram failing for a while gives the day back for a later pass; a seller who blocked the bot is recorded,
 * and gets none until they ask again.
 */
import { Clock, Config, Context, Duration, Effect, Layer, Metric, Option, Schedule } from "effect"
import { Composer } from "grammy"
import { type DueSummary, DailySummaries } from "../../data/DailySummaries.ts"
import type { DatabaseError } from "../../data/Database.ts"
import { OrderHistory } from "../../data/OrderHistory.ts"
import { SellerSettings } from "../../data/SellerSettings.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import * as SummaryTexts from "../SummaryTexts.ts"
import { timeAt } from "../OrderPeriods.ts"
import { coveredDay, parseRequest, timeZoneOf } from "../SummaryTimes.ts"
import { TelegramBot, type TelegramBotError } from "../TelegramBot.ts"

export interface DailySummaryOptions {
  /** How often the sellers whose summary is due are looked for. */
  readonly interval: Duration.Duration
}

/** Summaries by outcome: `sent`, `retry` (Telegram failing for now), `blocked` (the seller blocked the bot), `refused`. */
export const dailySummaries = Metric.counter("vigia_daily_summaries_total", {
  description: "Daily summaries the bot tried to send, by outcome",
  incremental: true
})

const count = (outcome: string) => Metric.update(Metric.withAttributes(dailySummaries, { outcome }), 1)

export class DailySummary extends Context.Service<DailySummary, {
  readonly composer: Composer<BotContext>
  /** One pass: every summary due now, sent. */
  readonly sendDue: Effect.Effect<void, DatabaseError>
}>()("@vigia/control/bot/features/DailySummary") {
  /** The feature, with its pass run every `interval`. */
  static readonly layer = (options: DailySummaryOptions) => Layer.effect(DailySummary, make(options))

  static readonly layerConfig = (config: Config.Wrap<DailySummaryOptions>) =>
    Layer.effect(DailySummary, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: DailySummaryOptions) {
  const handlers = yield* Handlers
  const telegram = yield* TelegramBot
  const settings = yield* SellerSettings
  const summaries = yield* DailySummaries
  const history = yield* OrderHistory

  /** What a refused send means for the day claimed: given back (Telegram failing for now), or kept. */
  const refused = (due: DueSummary) => (error: TelegramBotError) => {
    const reason = error.reason
    if (error.transient) {
      return summaries.release(due.userId, due.localDay).pipe(
        Effect.andThen(count("retry")),
        Effect.andThen(Effect.logWarning("could not send a daily summary; trying again on a later pass", error.message))
      )
    }
    if (reason._tag === "BotApiRefused" && reason.code === 403) {
      return summaries.block(due.userId).pipe(
        Effect.andThen(count("blocked")),
        Effect.andThen(Effect.logInfo("the seller blocked the bot; no more daily summaries until they ask again"))
      )
    }
    return count("refused").pipe(Effect.andThen(Effect.logError("Telegram refused a daily summary", error.message)))
  }

  const send = Effect.fnUntraced(function*(due: DueSummary) {
    if (!(yield* summaries.claim(due.userId, due.localDay))) return
    const at = { hour: due.hour, minute: due.minute }
    const day = coveredDay(due.localDay, at)
    const deliver = Effect.gen(function*() {
      const totals = SummaryTexts.totalsByGroup(yield* history.list(due.userId, { first: day, last: day, timeZone: due.timeZone }))
      yield* telegram.send(due.chatId, SummaryTexts.summary(day, day === due.localDay, totals), { waitOutFloods: true })
      yield* count("sent")
      yield* Effect.logInfo("daily summary sent").pipe(Effect.annotateLogs({ day, groups: totals.length }))
    })
    yield* deliver.pipe(
      Effect.catchTag("TelegramBotError", refused(due)),
      // The day's orders could not be read: the day is given back, if PostgreSQL answers that.
      Effect.tapError(() => summaries.release(due.userId, due.localDay).pipe(Effect.ignore))
    )
  }, (effect, due) => Effect.annotateLogs(effect, { userId: due.userId }))

  const sendDue = Effect.gen(function*() {
    const now = new Date(yield* Clock.currentTimeMillis)
    const due = yield* summaries.due(now)
    yield* Effect.forEach(due, (one) =>
      send(one).pipe(
        Effect.catchCause((cause) => Effect.logError("could not send a daily summary; trying again next pass", cause))
      ), { concurrency: 8, discard: true })
  }).pipe(Effect.withSpan("DailySummary.sendDue"))

  yield* sendDue.pipe(
    Effect.catchCause((cause) => Effect.logError("the daily summary pass failed; trying again next pass", cause)),
    Effect.repeat(Schedule.spaced(options.interval)),
    Effect.forkScoped
  )

  const resumo = Effect.fn("DailySummary.resumo")(function*(ctx: BotContext) {
    const request = parseRequest(argumentsOf(ctx))
    const userId = ctx.seller.id
    switch (request._tag) {
      case "Show":
        return yield* handlers.reply(ctx, SummaryTexts.summarySetting(yield* settings.get(userId)))
      case "Off":
        yield* settings.setSummary(userId, null)
        return yield* handlers.reply(ctx, SummaryTexts.summaryOff)
      case "Invalid":
        return yield* handlers.reply(ctx, SummaryTexts.summaryInvalid)
      case "At": {
        const updated = yield* settings.setSummary(userId, request.at)
        return yield* handlers.reply(ctx, SummaryTexts.summaryOn(request.at, updated.timeZone))
      }
    }
  }, Effect.asVoid)

  const fuso = Effect.fn("DailySummary.fuso")(function*(ctx: BotContext) {
    const text = argumentsOf(ctx)
    const now = new Date(yield* Clock.currentTimeMillis)
    if (text === "") {
      const { timeZone } = yield* settings.get(ctx.seller.id)
      return yield* handlers.reply(ctx, SummaryTexts.timeZoneSetting(timeZone, timeAt(now, timeZone)))
    }
    const stored = yield* Option.match(timeZoneOf(text), {
      onNone: () => Effect.succeedNone,
      onSome: (zone) => settings.setTimeZone(ctx.seller.id, zone)
    })
    return yield* handlers.reply(
      ctx,
      Option.match(stored, {
        onNone: () => SummaryTexts.timeZoneInvalid(text),
        onSome: ({ timeZone }) => SummaryTexts.timeZoneSet(timeZone, timeAt(now, timeZone))
      })
    )
  }, Effect.asVoid)

  const composer = new Composer<BotContext>()
  composer.command("resumo", handlers.handle(resumo))
  composer.command("fuso", handlers.handle(fuso))

  return DailySummary.of({ composer, sendDue })
})
