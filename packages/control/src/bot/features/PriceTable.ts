/**
 * `/tabela`: shows the seller's price table, then takes the next text or CSV file as the
 * new table, replacing the old one whole and reporting every line that could not be read.
 */
import * as Money from "@vigia/domain/Money"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import { Context, Effect, Layer } from "effect"
import { Composer } from "grammy"
import { AwaitingPriceTable, Conversations, Idle } from "../../data/Conversations.ts"
import type { DatabaseError } from "../../data/Database.ts"
import { PriceTables, type PriceTablesError } from "../../data/PriceTables.ts"
import type { UserId } from "../../data/UserId.ts"
import { atStep, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import { TelegramBot, type TelegramBotError } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"

/** Larger files are not price tables. */
export const maxFileBytes = 1024 * 1024

export type PriceTableFailure = TelegramBotError | DatabaseError | PriceTablesError

export class PriceTable extends Context.Service<PriceTable, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/PriceTable") {
  static readonly layer = Layer.effect(
    PriceTable,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const tables = yield* PriceTables
      const conversations = yield* Conversations

      const show = Effect.fn("PriceTable.show")(function*(chatId: number, userId: UserId) {
        const items = yield* tables.get(userId)
        const listing = items.length === 0
          ? Texts.tableEmpty
          : items.map((item) =>
            `• ${item.name} — ${Money.format(item.price)}/${item.unit}${item.aliases.length > 0 ? ` (${item.aliases.join(", ")})` : ""}`
          ).join("\n")
        yield* conversations.set(chatId, new AwaitingPriceTable())
        yield* telegram.send(chatId, `${listing}\n\n${Texts.askTable}`)
      })

      // The purchase handler notices a changed table by its content: nothing to tell it here.
      const replaceFromText = Effect.fn("PriceTable.replaceFromText")(function*(chatId: number, userId: UserId, text: string) {
        const parsed = PriceTableParser.parse(text)
        yield* conversations.set(chatId, new Idle())
        if (parsed.items.length === 0) {
          yield* telegram.send(chatId, FailureTexts.tableNothingValid)
        } else {
          yield* tables.replace(userId, parsed.items)
          yield* telegram.send(chatId, Texts.tableReplaced(parsed.items.length))
        }
        if (parsed.errors.length > 0) yield* telegram.send(chatId, FailureTexts.tableRejectedLines(parsed.errors))
      })

      /** The new table sent as a file: fetched from Telegram, then read as text. */
      const replaceFromFile = Effect.fn("PriceTable.replaceFromFile")(
        function*(chatId: number, userId: UserId, document: { readonly file_id: string; readonly file_size?: number }) {
          if ((document.file_size ?? 0) > maxFileBytes) return yield* telegram.send(chatId, FailureTexts.tableFileTooLarge)
          yield* replaceFromText(chatId, userId, yield* telegram.downloadText(document.file_id))
        },
        Effect.asVoid
      )

      const composer = new Composer<BotContext>()
      composer.command("tabela", handlers.handle((ctx) => show(ctx.seller.telegramUserId, ctx.seller.id)))
      composer.filter(
        atStep("AwaitingPriceTable"),
        handlers.handle((ctx) => {
          const document = ctx.message?.document
          return document === undefined
            ? replaceFromText(ctx.seller.telegramUserId, ctx.seller.id, ctx.message?.text ?? "")
            : replaceFromFile(ctx.seller.telegramUserId, ctx.seller.id, document)
        })
      )

      return PriceTable.of({ composer })
    })
  )
}
