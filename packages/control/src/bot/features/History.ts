/**
 * The seller's memory of their orders: `/pedidos` shows today's (with buttons to earlier days, to one group's, and
 * to the next page, each editing the message), `/exportar [período]` sends a period's as a CSV file. Every plan has
 * it: it is the seller's own data.
 */
import { Clock, Context, Effect, Layer, Result } from "effect"
import { Composer, InputFile } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
import { OrderHistory } from "../../data/OrderHistory.ts"
import { SellerSettings } from "../../data/SellerSettings.ts"
import type { UserId } from "../../data/UserId.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import { toCsv } from "../OrderCsv.ts"
import * as OrderHistoryTexts from "../OrderHistoryTexts.ts"
import { buttonPrefix, type HistoryView, render, viewOf } from "../OrderHistoryView.ts"
import * as OrderPeriods from "../OrderPeriods.ts"
import { TelegramBot } from "../TelegramBot.ts"

const keyboardOf = (rows: ReadonlyArray<ReadonlyArray<InlineKeyboardButton>>) => ({ inline_keyboard: rows.map((row) => [...row]) })

export class History extends Context.Service<History, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/History") {
  static readonly layer = Layer.effect(
    History,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const history = yield* OrderHistory
      const settings = yield* SellerSettings

      /** The seller's time zone (`/fuso`). */
      const timeZoneOf = (ctx: BotContext) => Effect.map(settings.get(ctx.seller.id), (found) => found.timeZone)

      const todayIn = (timeZone: string) => Effect.map(Clock.currentTimeMillis, (now) => OrderPeriods.dayAt(new Date(now), timeZone))

      /** The message `view` shows (a day after today shows today: a button pressed past midnight is not in the future). */
      const page = Effect.fn("History.page")(function*(userId: UserId, view: HistoryView, timeZone: string) {
        const today = yield* todayIn(timeZone)
        const shown = view.day > today ? { ...view, day: today } : view
        const orders = yield* history.list(userId, { first: shown.day, last: shown.day, timeZone })
        const { keyboard, text } = render(orders, shown, { today, timeZone })
        return { text, options: { replyMarkup: keyboardOf(keyboard), disablePreview: true } }
      })

      const show = Effect.fn("History.show")(function*(ctx: BotContext) {
        const timeZone = yield* timeZoneOf(ctx)
        const { options, text } = yield* page(ctx.seller.id, { day: yield* todayIn(timeZone), group: null, page: 0 }, timeZone)
        yield* handlers.reply(ctx, text, options)
      })

      const press = Effect.fn("History.press")(function*(ctx: BotContext, data: string, messageId: number | undefined) {
        const view = viewOf(data)
        if (view === undefined || messageId === undefined) return
        const { options, text } = yield* page(ctx.seller.id, view, yield* timeZoneOf(ctx))
        yield* telegram.edit(ctx.seller.telegramUserId, messageId, text, options)
      })

      const exportOrders = Effect.fn("History.export")(function*(ctx: BotContext, args: string) {
        const timeZone = yield* timeZoneOf(ctx)
        const period = OrderPeriods.parse(args, yield* todayIn(timeZone))
        if (Result.isFailure(period)) {
          yield* Effect.logInfo("order export refused").pipe(Effect.annotateLogs({ reason: period.failure }))
          return yield* handlers.reply(ctx, OrderHistoryTexts.periodRefused[period.failure])
        }
        const { first, last } = period.success
        const orders = yield* history.list(ctx.seller.id, { first, last, timeZone })
        if (orders.length === 0) return yield* handlers.reply(ctx, OrderHistoryTexts.nothingToExport(first, last))
        const total = orders.reduce((sum, order) => sum + order.quote.total, 0)
        const file = new InputFile(Buffer.from(toCsv(orders, timeZone), "utf8"), OrderHistoryTexts.exportFileName(first, last))
        const chatId = ctx.seller.telegramUserId
        yield* telegram.call("sendDocument", (api, signal) =>
          api.sendDocument(chatId, file, { caption: OrderHistoryTexts.exportCaption(first, last, orders.length, total) }, signal))
        yield* Effect.logInfo("orders exported").pipe(
          Effect.annotateLogs({ orders: orders.length, days: OrderPeriods.length(period.success) })
        )
      }, (effect) => Effect.asVoid(effect))

      const composer = new Composer<BotContext>()
      composer.command("pedidos", handlers.handle(show))
      composer.command("exportar", handlers.handle((ctx) => exportOrders(ctx, argumentsOf(ctx))))
      composer.callbackQuery(
        new RegExp(`^${buttonPrefix}`),
        handlers.button((ctx) => press(ctx, ctx.callbackQuery.data, ctx.callbackQuery.message?.message_id))
      )

      return History.of({ composer })
    })
  )
}
