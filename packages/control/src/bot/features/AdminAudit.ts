/**
 * `/admin_auditoria [id]`: the latest audit entries of one seller (by Telegram id) or of everyone, newest first, in
 * messages under Telegram's 4,096 characters, with a button for the older ones. Every page read is audited.
 */
import { Context, Effect, Layer, Option } from "effect"
import { Composer } from "grammy"
import { AuditLog } from "../../data/AuditLog.ts"
import type { UserId } from "../../data/UserId.ts"
import { Users } from "../../data/Users.ts"
import * as AdminTexts from "../AdminTexts.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import { fitPage } from "../Paging.ts"
import * as Texts from "../Texts.ts"

/** Callback data of the older-entries button: `aa:{telegram id, or * for everyone}:{the oldest entry shown}`. */
export const buttonPrefix = "aa:"

/** Entries read per page (a page shows as many as fit). */
const fetchSize = 40

export class AdminAudit extends Context.Service<AdminAudit, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/AdminAudit") {
  static readonly layer = Layer.effect(
    AdminAudit,
    Effect.gen(function*() {
      const handlers = yield* Handlers
      const audit = yield* AuditLog
      const users = yield* Users

      /** Sends the page of `target`'s entries (everyone's when null) older than `beforeId`. */
      const page = Effect.fn("AdminAudit.page")(function*(ctx: BotContext, target: number | null, beforeId: number | undefined) {
        let userId: UserId | undefined
        if (target !== null) {
          const user = yield* users.findByTelegramId(target).pipe(
            Effect.map(Option.some),
            Effect.catchReason("UserError", "UserNotFound", () => Effect.succeedNone)
          )
          if (Option.isNone(user)) return yield* handlers.reply(ctx, Texts.adminUserUnknown(target))
          userId = user.value.id
        }
        yield* audit.append({
          userId: userId ?? null,
          action: "admin-action",
          details: { command: "admin_auditoria", admin: ctx.seller.telegramUserId, target, before: beforeId ?? null }
        })
        const entries = yield* audit.page({
          ...(userId === undefined ? {} : { userId }),
          ...(beforeId === undefined ? {} : { beforeId }),
          limit: fetchSize + 1
        })
        if (entries.length === 0) {
          return yield* handlers.reply(ctx, beforeId === undefined ? AdminTexts.auditEmpty(target) : AdminTexts.auditEnd)
        }
        const { shown, text } = fitPage(AdminTexts.auditHeader(target), entries.slice(0, fetchSize).map(AdminTexts.auditLine))
        const oldest = entries[shown - 1]
        const more = entries.length > shown && oldest !== undefined
        return yield* handlers.reply(
          ctx,
          text,
          more
            ? {
              replyMarkup: {
                inline_keyboard: [[{ text: AdminTexts.olderButton, callback_data: `${buttonPrefix}${target ?? "*"}:${oldest.id}` }]]
              }
            }
            : {}
        )
      }, (effect) => Effect.asVoid(effect))

      const command = (ctx: BotContext, args: string) => {
        if (args === "") return page(ctx, null, undefined)
        const target = Number(args)
        return Number.isSafeInteger(target) && target > 0 ? page(ctx, target, undefined) : handlers.reply(ctx, AdminTexts.auditUsage)
      }

      const press = (ctx: BotContext, data: string) => {
        const [, who = "", before = ""] = data.split(":")
        const target = who === "*" ? null : Number(who)
        const beforeId = Number(before)
        return (target === null || Number.isSafeInteger(target)) && Number.isSafeInteger(beforeId)
          ? page(ctx, target, beforeId)
          : Effect.void
      }

      const composer = new Composer<BotContext>()
      composer.command("admin_auditoria", handlers.handle((ctx) => Effect.asVoid(command(ctx, argumentsOf(ctx)))))
      composer.callbackQuery(new RegExp(`^${buttonPrefix}`), handlers.button((ctx) => press(ctx, ctx.callbackQuery.data)))

      return AdminAudit.of({ composer })
    })
  )
}
