/**
 * The seller's price table as a whole: `/tabela` shows it (and only shows it), `/tabela csv` sends it as a CSV to edit,
 * `/tabela nova` takes the next text or file as a new table and shows what it would change before a confirmation
 * button replaces the table; the buttons that confirm or cancel any change of the table are answered here.
 */
import { changes, type PriceItem } from "@vigia/domain/PriceTable"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import { Context, Effect, Layer, Metric } from "effect"
import { Composer, InputFile } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
import { AwaitingPriceTable, Conversations, Idle } from "../../data/Conversations.ts"
import { type Confirmation, PriceTableDrafts } from "../../data/PriceTableDrafts.ts"
import { PriceTables } from "../../data/PriceTables.ts"
import type { UserId } from "../../data/UserId.ts"
import { argumentsOf, atStep, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import * as TableTexts from "../TableTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"

/** Larger files are not price tables. */
export const maxFileBytes = 1024 * 1024

/** Callback data of the table's questions: `pt:ok:{draft}` applies a proposed change, `pt:no:{draft}` drops it. */
export const buttonPrefix = "pt:"
export const confirmButton = (text: string, draftId: number): InlineKeyboardButton => ({
  text,
  callback_data: `${buttonPrefix}ok:${draftId}`
})
export const cancelButton = (draftId: number): InlineKeyboardButton => ({
  text: TableTexts.cancelButton,
  callback_data: `${buttonPrefix}no:${draftId}`
})

/** Changes of price tables, by kind, and what was refused (`reason`): the operator's view of the feature. */
export const tableChanges = Metric.counter("vigia_price_table_changes_total", {
  description: "Changes of sellers' price tables, by kind (replace, price, remove, undo)"
})
export const tableRefusals = Metric.counter("vigia_price_table_refusals_total", {
  description: "Price-table input the bot refused, by reason"
})

/** Counts and logs input the bot refused; the seller is told by the caller. */
export const refused = (reason: string) =>
  Effect.logInfo("price-table input refused").pipe(
    Effect.annotateLogs({ reason }),
    Effect.andThen(Metric.update(Metric.withAttributes(tableRefusals, { reason }), 1))
  )

export const counted = (change: string) => Metric.update(Metric.withAttributes(tableChanges, { change }), 1)

/** Most messages `/tabela` sends before pointing to the CSV, and the size of each (Telegram allows 4,096 characters). */
const maxListingMessages = 3
const maxMessageLength = 3_900

/** The table's lines in messages under Telegram's limit; past three messages, a pointer to the CSV. */
export const listingMessages = (items: ReadonlyArray<PriceItem>): Array<string> => {
  if (items.length === 0) return [TableTexts.tableEmpty]
  const messages: Array<string> = []
  let current = TableTexts.tableHeader(items.length)
  let shown = 0
  for (const item of items) {
    const line = TableTexts.listingLine(item)
    if (current.length + line.length + 1 > maxMessageLength) {
      if (messages.length + 1 === maxListingMessages) break
      messages.push(current)
      current = line
    } else current += `\n${line}`
    shown++
  }
  if (shown < items.length) current += `\n${TableTexts.tableMore(items.length - shown)}`
  messages.push(`${current}\n\n${TableTexts.tableHowToChange}`)
  return messages
}

/** What the seller reads once a confirmed change was applied: the change itself, or the whole table's new size. */
const appliedText = (confirmation: Extract<Confirmation, { readonly _tag: "Applied" }>) => {
  const { added, changed, removed } = changes(confirmation.before, confirmation.after)
  if (added.length + changed.length + removed.length === 0) return TableTexts.draftCancelled
  if (confirmation.change === "price" && added[0] !== undefined) return TableTexts.itemAdded(added[0])
  if (confirmation.change === "price" && changed[0] !== undefined) return TableTexts.priceSet(changed[0].before, changed[0].after)
  if (confirmation.change === "remove" && removed[0] !== undefined) return TableTexts.itemRemoved(removed[0])
  return TableTexts.tableReplaced(confirmation.after.length)
}

export class PriceTable extends Context.Service<PriceTable, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/PriceTable") {
  static readonly layer = Layer.effect(
    PriceTable,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const tables = yield* PriceTables
      const drafts = yield* PriceTableDrafts
      const conversations = yield* Conversations

      const show = Effect.fn("PriceTable.show")(function*(chatId: number, userId: UserId) {
        for (const text of listingMessages(yield* tables.get(userId))) yield* telegram.send(chatId, text)
      })

      const sendCsv = Effect.fn("PriceTable.sendCsv")(function*(chatId: number, userId: UserId) {
        const items = yield* tables.get(userId)
        const file = new InputFile(Buffer.from(PriceTableParser.toCsv(items), "utf8"), TableTexts.csvFileName)
        yield* telegram.call("sendDocument", (api, signal) =>
          api.sendDocument(chatId, file, { caption: TableTexts.csvCaption(items.length) }, signal))
      })

      const command = Effect.fn("PriceTable.command")(function*(chatId: number, userId: UserId, args: string) {
        switch (args.toLowerCase()) {
          case "":
            return yield* show(chatId, userId)
          case "csv":
            return yield* sendCsv(chatId, userId)
          case "nova":
            yield* conversations.set(chatId, new AwaitingPriceTable())
            return yield* telegram.send(chatId, TableTexts.askTable)
          default:
            return yield* telegram.send(chatId, TableTexts.tableUsage)
        }
      }, (effect) => Effect.asVoid(effect))

      /** A new table: nothing is replaced yet; the seller sees what would change and confirms with a button. */
      const propose = Effect.fn("PriceTable.propose")(function*(chatId: number, userId: UserId, text: string) {
        const parsed = PriceTableParser.parse(text)
        if (parsed.errors.length > 0) yield* telegram.send(chatId, FailureTexts.tableRejectedLines(parsed.errors))
        if (parsed.items.length === 0) {
          yield* refused("NothingValid")
          return yield* telegram.send(chatId, FailureTexts.tableNothingValid)
        }
        yield* conversations.set(chatId, new Idle())
        const current = yield* tables.get(userId)
        const diff = changes(current, parsed.items)
        if (diff.added.length + diff.removed.length + diff.changed.length === 0) return yield* telegram.send(chatId, TableTexts.tableUnchanged)
        const [draftId = 0] = yield* drafts.propose(userId, current, [{ change: "replace", items: parsed.items }])
        return yield* telegram.send(chatId, TableTexts.replacePreview(diff, parsed.items.length, parsed.errors.length), {
          replyMarkup: { inline_keyboard: [[confirmButton(TableTexts.replaceButton, draftId), cancelButton(draftId)]] }
        })
      }, (effect) => Effect.asVoid(effect))

      /** The new table sent as a file: fetched from Telegram, then read as text (a spreadsheet's own format is refused). */
      const proposeFile = Effect.fn("PriceTable.proposeFile")(function*(
        chatId: number,
        userId: UserId,
        document: { readonly file_id: string; readonly file_size?: number; readonly file_name?: string }
      ) {
        if ((document.file_size ?? 0) > maxFileBytes) {
          yield* refused("FileTooLarge")
          return yield* telegram.send(chatId, FailureTexts.tableFileTooLarge)
        }
        if (/\.(xlsx|xls|ods|numbers)$/i.test(document.file_name ?? "")) {
          yield* refused("SpreadsheetFile")
          return yield* telegram.send(chatId, FailureTexts.tableSpreadsheetFile)
        }
        return yield* propose(chatId, userId, yield* telegram.downloadText(document.file_id))
      }, (effect) => Effect.asVoid(effect))

      /** Applies a draft if the table is still the one it was computed from: what the seller reads either way. */
      const confirm = Effect.fnUntraced(function*(userId: UserId, draftId: number) {
        const confirmation = yield* drafts.confirm(userId, draftId)
        switch (confirmation._tag) {
          case "Applied":
            yield* counted(confirmation.change)
            return appliedText(confirmation)
          case "Stale":
            return TableTexts.draftStale
          case "Gone":
            return TableTexts.draftGone
        }
      })

      /** A button under a question about the table: `ok` applies the change it names, `no` drops the question. */
      const press = Effect.fn("PriceTable.press")(function*(chatId: number, userId: UserId, messageId: number, data: string) {
        const [, action, id] = data.split(":")
        const draftId = Number(id)
        if (!Number.isSafeInteger(draftId)) return TableTexts.draftGone
        const text = action === "ok"
          ? yield* confirm(userId, draftId)
          : (yield* drafts.discard(userId, draftId))
          ? TableTexts.draftCancelled
          : TableTexts.draftGone
        yield* telegram.edit(chatId, messageId, text)
        return text
      })

      const composer = new Composer<BotContext>()
      composer.command("tabela", handlers.handle((ctx) => command(ctx.seller.telegramUserId, ctx.seller.id, argumentsOf(ctx))))
      composer.filter(
        atStep("AwaitingPriceTable"),
        handlers.handle((ctx) => {
          const document = ctx.message.document
          return document === undefined
            ? propose(ctx.seller.telegramUserId, ctx.seller.id, ctx.message.text ?? "")
            : proposeFile(ctx.seller.telegramUserId, ctx.seller.id, document)
        })
      )
      composer.callbackQuery(
        new RegExp(`^${buttonPrefix}(ok|no):`),
        handlers.button((ctx) =>
          press(ctx.seller.telegramUserId, ctx.seller.id, ctx.callbackQuery.message?.message_id ?? 0, ctx.callbackQuery.data)
        )
      )

      return PriceTable.of({ composer })
    })
  )
}
