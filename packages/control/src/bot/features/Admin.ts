/**
 * The administrators' commands: `/admin_plano <id> <plano> [dias]` grants a plan (and tells its seller),
 * `/admin_sessoes` lists the sessions with buttons to stop (after a confirmation), restart or start each through the
 * container manager, `/admin_auditoria [id]` pages through the audit log, `/admin_reprocessar` hands every account's
 * parked updates back to its queue. The subscription guard lets administrators only through (their buttons
 * included); every action is audited.
 */
import { Plan } from "@vigia/domain/Plan"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Clock, Context, Duration, Effect, Layer, Schema } from "effect"
import { Composer } from "grammy"
import { AuditLog } from "../../data/AuditLog.ts"
import { Sessions } from "../../data/Sessions.ts"
import { Subscriptions } from "../../data/Subscriptions.ts"
import { Users } from "../../data/Users.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import { AdminAudit } from "./AdminAudit.ts"
import { AdminSessions } from "./AdminSessions.ts"

const PlanArgument = Schema.decodeUnknownOption(Plan)

/** `<telegram id> <plan> [days]`, as an admin types it; none when it does not read. */
export const readPlanGrant = (args: string) => {
  const [id, planText, daysText] = args.split(/\s+/)
  const plan = PlanArgument(planText)
  const telegramId = Number(id)
  const days = daysText === undefined ? null : Number(daysText)
  if (!Number.isSafeInteger(telegramId) || plan._tag === "None" || (days !== null && !(Number.isInteger(days) && days > 0))) {
    return undefined
  }
  return { telegramId, plan: plan.value, days }
}

export class Admin extends Context.Service<Admin, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/Admin") {
  static readonly layer = Layer.effect(
    Admin,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const users = yield* Users
      const subscriptions = yield* Subscriptions
      const audit = yield* AuditLog
      const sessions = yield* Sessions
      const queue = yield* Queue
      const adminSessions = yield* AdminSessions
      const auditLog = yield* AdminAudit

      const grantPlan = Effect.fn("Admin.grantPlan")(function*(ctx: BotContext, args: string) {
        const grant = readPlanGrant(args)
        if (grant === undefined) return yield* handlers.reply(ctx, Texts.adminPlanUsage)
        const { telegramId, plan, days } = grant
        const target = yield* users.findByTelegramId(telegramId).pipe(
          Effect.catchReason("UserError", "UserNotFound", () => Effect.undefined)
        )
        if (target === undefined) return yield* handlers.reply(ctx, Texts.adminUserUnknown(telegramId))
        const now = yield* Clock.currentTimeMillis
        yield* subscriptions.grant(target.id, {
          plan,
          expiresAt: days === null ? null : new Date(now + Duration.toMillis(Duration.days(days))),
          overrides: {},
          paymentReference: null,
          source: "admin"
        })
        yield* audit.append({
          userId: target.id,
          action: "admin-action",
          details: { command: "admin_plano", admin: ctx.seller.telegramUserId, plan, days }
        })
        yield* handlers.reply(ctx, Texts.adminPlanGranted(telegramId, plan, days))
        return yield* telegram.send(target.telegramUserId, Texts.planUpgraded(plan)).pipe(Effect.ignore)
      }, Effect.asVoid)

      // Updates only: a response's caller is gone by now, and an old command (a message to post) is better lost.
      const redrive = Effect.fn("Admin.redrive")(function*(ctx: BotContext) {
        const all = yield* sessions.list({})
        const outcomes = yield* Effect.forEach(
          all,
          (session) => Effect.result(queue.redrive(QueueNames.updatesQueue(session.phoneNumber))),
          { concurrency: 8 }
        )
        const counts = outcomes.flatMap((outcome) => (outcome._tag === "Success" ? [outcome.success] : []))
        const redriven = counts.reduce((sum, count) => sum + count, 0)
        const accounts = counts.filter((count) => count > 0).length
        const unreachable = outcomes.length - counts.length
        yield* audit.append({
          userId: null,
          action: "admin-action",
          details: { command: "admin_reprocessar", admin: ctx.seller.telegramUserId, redriven, accounts, unreachable }
        })
        yield* Effect.logInfo("parked updates handed back to their queues by an administrator", { redriven, accounts, unreachable })
        yield* handlers.reply(ctx, Texts.adminRedriven(redriven, accounts, unreachable))
      })

      const composer = new Composer<BotContext>()
      composer.command("admin_plano", handlers.handle((ctx) => grantPlan(ctx, argumentsOf(ctx))))
      composer.command("admin_reprocessar", handlers.handle(redrive))
      composer.use(adminSessions.composer, auditLog.composer)

      return Admin.of({ composer })
    })
  )
}
