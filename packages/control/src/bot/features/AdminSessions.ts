/**
 * `/admin_sessoes`: every session, a page at a time, with buttons to stop one (after a confirmation, and its seller
 * is told), restart it, or start again one an administrator stopped, each through the container manager and audited.
 * Each press is answered first: a start may take longer than Telegram waits for a button's answer.
 */
import { mask, PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
import { AuditLog } from "../../data/AuditLog.ts"
import { type Session, Sessions } from "../../data/Sessions.ts"
import { type User, Users } from "../../data/Users.ts"
import { ContainerManager, type ContainerManagerError } from "../../sessions/manager/ContainerManager.ts"
import * as AdminTexts from "../AdminTexts.ts"
import type { BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import { Support } from "../Support.ts"
import { TelegramBot } from "../TelegramBot.ts"

/**
 * Callback data: `as:p:{page}` a page, `as:s:{phone}` asks to stop, `as:S:{phone}` stops, `as:r:{phone}` restarts
 * (or starts), `as:x` cancels.
 */
export const buttonPrefix = "as:"

/** Sessions per page: each has its own row of buttons, and Telegram allows 100 buttons per message. */
export const pageSize = 8

const decodePhone = Schema.decodeUnknownOption(PhoneNumber)

const button = (text: string, data: string): InlineKeyboardButton => ({ text, callback_data: `${buttonPrefix}${data}` })

export class AdminSessions extends Context.Service<AdminSessions, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/AdminSessions") {
  static readonly layer = Layer.effect(
    AdminSessions,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const sessions = yield* Sessions
      const users = yield* Users
      const manager = yield* ContainerManager
      const audit = yield* AuditLog
      const support = yield* Support

      const ownerOf = (session: Session) =>
        users.get(session.userId).pipe(Effect.map(Option.some), Effect.catchReason("UserError", "UserNotFound", () => Effect.succeedNone))

      /** A stopped session may be started again only while its seller's account is still connected (an admin stop). */
      const canStart = (session: Session, owner: Option.Option<User>) =>
        Option.exists(owner, (user) => user.telegramAccountId !== null && user.phoneNumber === session.phoneNumber)

      const rowOf = (session: Session, owner: Option.Option<User>, number: number): Array<InlineKeyboardButton> =>
        session.desiredState === "running"
          ? [button(AdminTexts.stopButton(number), `s:${session.phoneNumber}`), button(AdminTexts.restartButton(number), `r:${session.phoneNumber}`)]
          : canStart(session, owner)
          ? [button(AdminTexts.startButton(number), `r:${session.phoneNumber}`)]
          : []

      const page = Effect.fn("AdminSessions.page")(function*(chatId: number, requested: number, messageId?: number) {
        const all = yield* sessions.list({})
        const pages = Math.max(1, Math.ceil(all.length / pageSize))
        const index = Math.min(Math.max(0, requested), pages - 1)
        const shown = all.slice(index * pageSize, (index + 1) * pageSize)
        const owners = yield* Effect.forEach(shown, ownerOf)
        const text = AdminTexts.sessionsPage(
          shown.map((session, at) => ({
            phone: mask(session.phoneNumber),
            runtime: session.runtime,
            desired: session.desiredState,
            observed: session.observedState,
            seller: Option.getOrNull(Option.map(owners[at] ?? Option.none(), (user) => user.telegramUserId))
          })),
          index * pageSize,
          all.length,
          index,
          pages
        )
        const rows = shown.map((session, at) => rowOf(session, owners[at] ?? Option.none(), index * pageSize + at + 1))
        const paging = [
          ...(index > 0 ? [button(AdminTexts.previousPage, `p:${index - 1}`)] : []),
          ...(index < pages - 1 ? [button(AdminTexts.nextPage, `p:${index + 1}`)] : [])
        ]
        const replyMarkup = { inline_keyboard: [...rows, paging].filter((row) => row.length > 0) }
        yield* messageId === undefined ? telegram.send(chatId, text, { replyMarkup }) : telegram.edit(chatId, messageId, text, { replyMarkup })
      })

      const record = (ctx: BotContext, session: Session, action: string, outcome: string) =>
        audit.append({
          userId: session.userId,
          action: "admin-action",
          details: { command: "admin_sessoes", admin: ctx.seller.telegramUserId, action, phone: mask(session.phoneNumber), outcome }
        })

      const list = Effect.fn("AdminSessions.list")(function*(ctx: BotContext) {
        yield* audit.append({ userId: null, action: "admin-action", details: { command: "admin_sessoes", admin: ctx.seller.telegramUserId } })
        yield* page(ctx.seller.telegramUserId, 0)
      })

      /** Runs a manager action, reporting a refusal to the administrator instead of failing the update. */
      const managed = (ctx: BotContext, session: Session, action: string, effect: Effect.Effect<unknown, ContainerManagerError>) =>
        effect.pipe(
          Effect.as(true),
          Effect.catchTag("ContainerManagerError", (error) =>
            Effect.logWarning(`an administrator's ${action} failed`, error.message).pipe(
              Effect.andThen(record(ctx, session, action, error.reason._tag)),
              Effect.andThen(handlers.reply(ctx, AdminTexts.managerFailed(mask(session.phoneNumber), error.reason._tag))),
              Effect.as(false)
            ))
        )

      const stop = Effect.fn("AdminSessions.stop")(function*(ctx: BotContext, session: Session, messageId: number) {
        const phone = mask(session.phoneNumber)
        if (!(yield* managed(ctx, session, "stop", manager.stop(session.phoneNumber)))) return
        yield* record(ctx, session, "stop", "stopped")
        yield* telegram.edit(ctx.seller.telegramUserId, messageId, AdminTexts.stopped(phone))
        const owner = yield* ownerOf(session)
        if (Option.isSome(owner)) yield* telegram.send(owner.value.telegramUserId, AdminTexts.stoppedBySupport(support.contact)).pipe(Effect.ignore)
      })

      const restart = Effect.fn("AdminSessions.restart")(function*(ctx: BotContext, session: Session) {
        const phone = mask(session.phoneNumber)
        const progress = yield* handlers.reply(ctx, AdminTexts.restarting(phone))
        const restarted = yield* managed(
          ctx,
          session,
          "restart",
          manager.stop(session.phoneNumber).pipe(Effect.andThen(manager.start(session.phoneNumber)))
        )
        if (!restarted) return
        yield* record(ctx, session, "restart", "running")
        yield* telegram.edit(ctx.seller.telegramUserId, progress.message_id, AdminTexts.restarted(phone))
      })

      const press = Effect.fn("AdminSessions.press")(function*(ctx: BotContext, messageId: number, data: string) {
        yield* telegram.answerButton(ctx.callbackQuery?.id ?? "").pipe(
          Effect.catchTag("TelegramBotError", (error) => Effect.logWarning("could not answer an administrator's button", error.message))
        )
        const [, action = "", argument = ""] = data.split(":")
        const chatId = ctx.seller.telegramUserId
        if (action === "p") return yield* page(chatId, Number(argument) || 0, messageId)
        if (action === "x") return yield* telegram.edit(chatId, messageId, AdminTexts.cancelled)
        const phone = decodePhone(argument)
        const session = Option.isNone(phone)
          ? undefined
          : yield* sessions.get(phone.value).pipe(Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.undefined))
        if (session === undefined) return yield* telegram.edit(chatId, messageId, AdminTexts.sessionGone)
        switch (action) {
          case "s":
            return yield* telegram.send(chatId, AdminTexts.confirmStop(mask(session.phoneNumber)), {
              replyMarkup: {
                inline_keyboard: [[button(AdminTexts.confirmStopButton, `S:${session.phoneNumber}`), button(AdminTexts.cancelButton, "x")]]
              }
            })
          case "S":
            return yield* stop(ctx, session, messageId)
          case "r":
            return yield* restart(ctx, session)
        }
      }, (effect) => Effect.asVoid(effect))

      const composer = new Composer<BotContext>()
      composer.command("admin_sessoes", handlers.handle(list))
      composer.callbackQuery(
        new RegExp(`^${buttonPrefix}`),
        handlers.handle((ctx) => press(ctx, ctx.callbackQuery.message?.message_id ?? 0, ctx.callbackQuery.data))
      )

      return AdminSessions.of({ composer })
    })
  )
}
