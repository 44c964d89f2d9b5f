/**
 * `/apagar` (LGPD): the seller is told what will be erased and confirms with a button (or cancels). On confirmation
 * each of their accounts is logged out of Telegram through its worker where it still runs, its worker removed with
 * its data (folder or volume) and its Redis user, its queues and last heartbeat deleted; then their rows go
 * (`SellerErasure`) and they get the list of what was erased. A seller who comes back starts afresh.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { LogOut } from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Clock, Context, Duration, Effect, Layer, Metric } from "effect"
import { Composer } from "grammy"
import { SellerErasure } from "../../data/SellerErasure.ts"
import { Sessions } from "../../data/Sessions.ts"
import type { User } from "../../data/Users.ts"
import { ContainerManager } from "../../sessions/manager/ContainerManager.ts"
import { SessionGateway } from "../../sessions/SessionGateway.ts"
import type { BotContext } from "../BotContext.ts"
import * as ErasureTexts from "../ErasureTexts.ts"
import { Handlers } from "../Handlers.ts"
import { TelegramBot } from "../TelegramBot.ts"

/** The callback data of the question's buttons. */
export const buttonPrefix = "apagar:"
const confirmData = `${buttonPrefix}sim`
const cancelData = `${buttonPrefix}nao`

/** How long the question's confirmation button works. */
export const confirmationWindow = Duration.minutes(10)

export const sellersErased = Metric.counter("vigia_sellers_erased_total", {
  description: "Sellers whose data was erased at their request",
  incremental: true
})

export class DeleteMyData extends Context.Service<DeleteMyData, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/DeleteMyData") {
  static readonly layer = Layer.effect(
    DeleteMyData,
    Effect.gen(function*() {
      const handlers = yield* Handlers
      const telegram = yield* TelegramBot
      const sessions = yield* Sessions
      const gateway = yield* SessionGateway
      const manager = yield* ContainerManager
      const queue = yield* Queue
      const erasure = yield* SellerErasure

      /** The account logged out of Telegram if its worker answers, then its worker, data, Redis user and queues gone. */
      const forgetAccount = Effect.fnUntraced(function*(phone: PhoneNumber) {
        // Desired state first, so the worker's `LoggedOut` is not taken for a logout elsewhere.
        yield* sessions.setDesired(phone, "stopped").pipe(Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.void))
        yield* gateway.call(phone, new LogOut()).pipe(
          Effect.catchCause(() => Effect.logInfo("the account's worker did not log it out (not running); its data is deleted"))
        )
        yield* manager.erase(phone)
        yield* gateway.unregister(phone)
        yield* Effect.forEach(
          [QueueNames.commandsQueue(phone), QueueNames.responsesQueue(phone), QueueNames.updatesQueue(phone)],
          queue.obliterate,
          { discard: true }
        )
        yield* queue.clearBeat(phone)
      }, (effect, phone) => Effect.annotateLogs(effect, { account: mask(phone) }))

      const erase = Effect.fn("DeleteMyData.erase")(function*(seller: User) {
        const listed = yield* sessions.list({ userId: seller.id })
        const bound = seller.phoneNumber === null ? [] : [seller.phoneNumber]
        const phones = [...new Set([...listed.map((session) => session.phoneNumber), ...bound])]
        yield* Effect.forEach(phones, forgetAccount, { discard: true })
        const { erased, reference } = yield* erasure.erase(seller.id, seller.telegramUserId)
        yield* Metric.update(sellersErased, 1)
        yield* Effect.logInfo("a seller's data was erased at their request").pipe(
          Effect.annotateLogs({ reference, accounts: phones.length, orders: erased.orders })
        )
        return ErasureTexts.done(erased, phones.length)
      })

      const ask = (ctx: BotContext) =>
        handlers.reply(ctx, ErasureTexts.question, {
          replyMarkup: {
            inline_keyboard: [[
              { text: ErasureTexts.confirmButton, callback_data: confirmData },
              { text: ErasureTexts.cancelButton, callback_data: cancelData }
            ]]
          }
        })

      /**
       * Answered before the work, which can outlast Telegram's wait for a button's answer (a worker's logout). Only the
       * seller who was asked may confirm, within the window: a second press after an erasure comes from the new seller
       * the press itself created, who was never asked.
       */
      const press = Effect.fn("DeleteMyData.press")(function*(ctx: BotContext, data: string) {
        yield* telegram.answerButton(ctx.callbackQuery?.id ?? "").pipe(
          Effect.catchTag("TelegramBotError", (error) => Effect.logWarning("could not answer the seller's button", error.message))
        )
        const chatId = ctx.seller.telegramUserId
        const message = ctx.callbackQuery?.message
        const messageId = message?.message_id ?? 0
        if (data !== confirmData) return yield* telegram.edit(chatId, messageId, ErasureTexts.cancelled)
        const now = yield* Clock.currentTimeMillis
        const askedAt = (message?.date ?? 0) * 1000
        const asked = ctx.seller.createdAt.getTime() <= askedAt + 1000
        if (!asked || now - askedAt > Duration.toMillis(confirmationWindow)) {
          return yield* telegram.edit(chatId, messageId, ErasureTexts.expired)
        }
        yield* telegram.edit(chatId, messageId, ErasureTexts.erasing)
        const outcome = yield* erase(ctx.seller).pipe(
          Effect.catchTags({
            ContainerManagerError: (error) =>
              Effect.logError("could not remove a seller's worker or its data; nothing of theirs was erased", error.message).pipe(
                Effect.as(ErasureTexts.failed)
              ),
            QueueError: (error) =>
              Effect.logError("could not delete a seller's queues; nothing of theirs was erased", error.message).pipe(
                Effect.as(ErasureTexts.failed)
              )
          })
        )
        yield* telegram.send(chatId, outcome)
      })

      const composer = new Composer<BotContext>()
      composer.command("apagar", handlers.handle((ctx) => Effect.asVoid(ask(ctx))))
      composer.callbackQuery(
        new RegExp(`^${buttonPrefix}`),
        handlers.handle((ctx) => press(ctx, ctx.callbackQuery.data))
      )

      return DeleteMyData.of({ composer })
    })
  )
}
