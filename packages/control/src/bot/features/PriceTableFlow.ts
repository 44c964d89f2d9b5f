/**
 * `/tabela`: shows the seller's price table, then takes the next text or CSV file as the
 * new table, replacing the old one whole and reporting every line that could not be read.
 */
import * as Money from "@vigia/domain/Money"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import { Context, Effect, Layer } from "effect"
import { AwaitingPriceTable, Conversations, Idle } from "../../data/Conversations.ts"
import { PriceTables } from "../../data/PriceTables.ts"
import { PurchaseHandler } from "../../events/PurchaseHandler.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import type { UserId } from "../../data/UserId.ts"

/** Larger files are not price tables. */
export const maxFileBytes = 1024 * 1024

export class PriceTableFlow extends Context.Service<PriceTableFlow, {
  readonly show: (chatId: number, userId: UserId) => Effect.Effect<void, unknown>
  /** The seller sent the new table as text. */
  readonly replaceFromText: (chatId: number, userId: UserId, text: string) => Effect.Effect<void, unknown>
  /** The seller sent the new table as a file: fetched from Telegram, then read as text. */
  readonly replaceFromFile: (chatId: number, userId: UserId, fileId: string, size: number) => Effect.Effect<void, unknown>
}>()("@vigia/control/bot/features/PriceTableFlow") {
  static readonly layer = Layer.effect(
    PriceTableFlow,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const tables = yield* PriceTables
      const conversations = yield* Conversations
      const purchases = yield* PurchaseHandler

      const show = Effect.fn("PriceTableFlow.show")(function*(chatId: number, userId: UserId) {
        const items = yield* tables.get(userId)
        const listing = items.length === 0
          ? Texts.tableEmpty
          : items.map((item) =>
            `• ${item.name} — ${Money.format(item.price)}/${item.unit}${item.aliases.length > 0 ? ` (${item.aliases.join(", ")})` : ""}`
          ).join("\n")
        yield* conversations.set(chatId, new AwaitingPriceTable())
        yield* telegram.send(chatId, `${listing}\n\n${Texts.askTable}`)
      })

      const replaceFromText = Effect.fn("PriceTableFlow.replaceFromText")(function*(chatId: number, userId: UserId, text: string) {
        const parsed = PriceTableParser.parse(text)
        yield* conversations.set(chatId, new Idle())
        if (parsed.items.length === 0) {
          yield* telegram.send(chatId, Texts.tableNothingValid)
        } else {
          yield* tables.replace(userId, parsed.items)
          yield* purchases.invalidate(userId)
          yield* telegram.send(chatId, Texts.tableReplaced(parsed.items.length))
        }
        if (parsed.errors.length > 0) yield* telegram.send(chatId, Texts.tableRejectedLines(parsed.errors))
      })

      const replaceFromFile = Effect.fn("PriceTableFlow.replaceFromFile")(function*(chatId: number, userId: UserId, fileId: string, size: number) {
        if (size > maxFileBytes) return yield* telegram.send(chatId, Texts.tableFileTooLarge).pipe(Effect.asVoid)
        yield* replaceFromText(chatId, userId, yield* telegram.downloadText(fileId))
      })

      return PriceTableFlow.of({ show, replaceFromText, replaceFromFile })
    })
  )
}
