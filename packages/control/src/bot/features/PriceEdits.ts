/**
 * Editing the price table one product at a time: `/preco <produto> <preço>` changes or adds a product, `/remover
 * <produto>` removes one, both finding the product as orders do (the same fuzzy matching) and asking with buttons
 * when the name typed is not exactly a product's; `/desfazer` brings back the table as it was before the last change.
 */
import { changes, nameKey, type PriceItem, PriceItem as Item, withItem, withoutItem } from "@vigia/domain/PriceTable"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quantity from "@vigia/domain/Quantity"
import { Context, Effect, Layer, Option, Result } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
import { type DraftOption, PriceTableDrafts } from "../../data/PriceTableDrafts.ts"
import { PriceTables } from "../../data/PriceTables.ts"
import type { UserId } from "../../data/UserId.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import * as TableTexts from "../TableTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"
import { cancelButton, confirmButton, counted, refused } from "./PriceTable.ts"

/** The product a seller names: exactly one (by name or alias), the ones it could be (as an order would read it), or none. */
export type Named =
  | { readonly _tag: "Exact"; readonly item: PriceItem }
  | { readonly _tag: "Candidates"; readonly items: ReadonlyArray<PriceItem> }
  | { readonly _tag: "None" }

export const findProduct = (items: ReadonlyArray<PriceItem>, typed: string): Named => {
  const key = nameKey(typed)
  const exact = items.find((item) => nameKey(item.name) === key || item.aliases.some((alias) => nameKey(alias) === key))
  if (exact !== undefined) return { _tag: "Exact", item: exact }
  const result = ProductMatcher.make(items).match({ product: typed, quantity: Quantity.one, unit: null })
  switch (result._tag) {
    case "Matched":
    case "UnitMismatch":
      return { _tag: "Candidates", items: [result.item] }
    case "Ambiguous":
      return { _tag: "Candidates", items: result.candidates }
    case "NotFound":
      return { _tag: "None" }
  }
}

/** `existing` at the typed price (and unit, when one was typed), keeping its name and aliases. */
const repriced = (existing: PriceItem, typed: PriceTableParser.TypedItem) =>
  new Item({
    name: existing.name,
    aliases: existing.aliases,
    unit: typed.unitGiven ? typed.item.unit : existing.unit,
    price: typed.item.price
  })

/** One button per row, the question's cancel last. */
const keyboard = (buttons: ReadonlyArray<InlineKeyboardButton>, draftIds: ReadonlyArray<number>) => ({
  inline_keyboard: [...buttons.map((button) => [button]), [cancelButton(draftIds[0] ?? 0)]]
})

export class PriceEdits extends Context.Service<PriceEdits, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/PriceEdits") {
  static readonly layer = Layer.effect(
    PriceEdits,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const tables = yield* PriceTables
      const drafts = yield* PriceTableDrafts

      /** Asks which change the seller means, one button per option (each the table it would leave). */
      const ask = Effect.fnUntraced(function*(
        chatId: number,
        userId: UserId,
        base: ReadonlyArray<PriceItem>,
        question: string,
        options: ReadonlyArray<DraftOption & { readonly label: string }>
      ) {
        const ids = yield* drafts.propose(userId, base, options)
        const buttons = options.map((option, index) => confirmButton(option.label, ids[index] ?? 0))
        return yield* telegram.send(chatId, question, { replyMarkup: keyboard(buttons, ids) })
      })

      const setPrice = Effect.fn("PriceEdits.setPrice")(function*(chatId: number, userId: UserId, args: string) {
        if (args === "") return yield* telegram.send(chatId, TableTexts.priceUsage)
        const read = PriceTableParser.parseItem(args)
        if (Result.isFailure(read)) {
          yield* refused(read.failure.reason)
          return yield* telegram.send(chatId, FailureTexts.itemRefused(read.failure.reason))
        }
        const typed = read.success
        const items = yield* tables.get(userId)
        const named = findProduct(items, typed.item.name)
        switch (named._tag) {
          case "Exact": {
            const next = repriced(named.item, typed)
            if (next.price === named.item.price && next.unit === named.item.unit) {
              return yield* telegram.send(chatId, TableTexts.priceSame(named.item))
            }
            yield* tables.replace(userId, withItem(items, next, named.item.name), "price")
            yield* counted("price")
            return yield* telegram.send(chatId, TableTexts.priceSet(named.item, next))
          }
          case "None": {
            yield* tables.replace(userId, withItem(items, typed.item), "price")
            yield* counted("price")
            return yield* telegram.send(chatId, TableTexts.itemAdded(typed.item))
          }
          case "Candidates":
            return yield* ask(chatId, userId, items, TableTexts.askWhichToPrice(typed.item.name, TableTexts.priceOf(typed.item)), [
              ...named.items.map((candidate) => ({
                change: "price" as const,
                items: withItem(items, repriced(candidate, typed), candidate.name),
                label: TableTexts.priceButton(candidate)
              })),
              { change: "price" as const, items: withItem(items, typed.item), label: TableTexts.addButton(typed.item.name) }
            ])
        }
      }, (effect) => Effect.asVoid(effect))

      const remove = Effect.fn("PriceEdits.remove")(function*(chatId: number, userId: UserId, typed: string) {
        if (typed === "") return yield* telegram.send(chatId, TableTexts.removeUsage)
        const items = yield* tables.get(userId)
        const named = findProduct(items, typed)
        switch (named._tag) {
          case "Exact": {
            yield* tables.replace(userId, withoutItem(items, named.item.name), "remove")
            yield* counted("remove")
            return yield* telegram.send(chatId, TableTexts.itemRemoved(named.item))
          }
          case "None": {
            yield* refused("UnknownProduct")
            return yield* telegram.send(chatId, TableTexts.removeNotFound(typed))
          }
          case "Candidates":
            return yield* ask(
              chatId,
              userId,
              items,
              TableTexts.askWhichToRemove(typed),
              named.items.map((candidate) => ({
                change: "remove" as const,
                items: withoutItem(items, candidate.name),
                label: TableTexts.removeButton(candidate)
              }))
            )
        }
      }, (effect) => Effect.asVoid(effect))

      const undo = Effect.fn("PriceEdits.undo")(function*(chatId: number, userId: UserId) {
        const restored = yield* tables.undo(userId)
        if (Option.isNone(restored)) return yield* telegram.send(chatId, TableTexts.nothingToUndo)
        yield* counted("undo")
        const { after, before } = restored.value
        return yield* telegram.send(chatId, TableTexts.undone(changes(before, after), after.length))
      }, (effect) => Effect.asVoid(effect))

      const composer = new Composer<BotContext>()
      composer.command("preco", handlers.handle((ctx) => setPrice(ctx.seller.telegramUserId, ctx.seller.id, argumentsOf(ctx))))
      composer.command("remover", handlers.handle((ctx) => remove(ctx.seller.telegramUserId, ctx.seller.id, argumentsOf(ctx))))
      composer.command("desfazer", handlers.handle((ctx) => undo(ctx.seller.telegramUserId, ctx.seller.id)))

      return PriceEdits.of({ composer })
    })
  )
}
