/**
 * The check every update to the bot passes (seed 16): what the update asks (a command, or the command a message or
 * button carries on), and whether the seller's plan allows it. Free users may only read about Vigia and their plan;
 * connecting an account and everything after it needs a plan that allows it.
 */
import { Plan } from "@vigia/domain/Plan"
import { canStartSession } from "@vigia/domain/Subscription"
import { Clock, Config, Context, Effect, Layer, Schema } from "effect"
import type { Step } from "../data/Conversations.ts"
import type { DatabaseError } from "../data/Database.ts"
import { type SubscriptionError, Subscriptions } from "../data/Subscriptions.ts"
import type { UserId } from "../data/UserId.ts"
import { type BotContext, commandOf } from "./BotContext.ts"
import * as CodeKeypad from "./CodeKeypad.ts"
import { buttonPrefix as auditButtonPrefix } from "./features/AdminAudit.ts"
import { buttonPrefix as sessionsButtonPrefix } from "./features/AdminSessions.ts"
import { buttonPrefix as erasureButtonPrefix } from "./features/DeleteMyData.ts"
import { buttonPrefix as groupsButtonPrefix } from "./features/Groups.ts"
import { resendButton } from "./features/LoginSteps.ts"
import { buttonPrefix as paymentsButtonPrefix } from "./features/Payments.ts"
import { buttonPrefix as tableButtonPrefix } from "./features/PriceTable.ts"
import { buttonPrefix as historyButtonPrefix } from "./OrderHistoryView.ts"

/** What an update asks of the bot, as the guard judges it. */
export type Request =
  /** A command, or a message or button that carries on one (a login code carries on `/login`). */
  | { readonly _tag: "Command"; readonly command: string }
  /** A message that answers no step: it only gets a hint. */
  | { readonly _tag: "Chatter" }
  /** A button no feature claims (an old message's): judged like a paid command, so a new feature is guarded first. */
  | { readonly _tag: "Button" }

/**
 * The exceptions, in one place: what any seller may do whatever their plan (the free plan, or a paid one that
 * lapsed). Reading about Vigia and their plan, their own orders (`/pedidos`, `/exportar`: their data, kept after
 * a plan lapses) and their daily summary and time zone (`/resumo`, `/fuso`: a summary stays theirs to turn off),
 * erasing their data (`/apagar`, a right whatever the plan), leaving the step they are in (which stops an
 * unfinished login), and chatter. Buying a plan is `/plano`'s: its buy buttons and Telegram's payment messages
 * carry on `/plano` (below).
 */
export const publicCommands: ReadonlySet<string> = new Set([
  "start",
  "ajuda",
  "help",
  "plano",
  "cancelar",
  "pedidos",
  "exportar",
  "resumo",
  "fuso",
  "apagar"
])

/** The command each step's answer carries on; `Idle` answers none. */
const stepCommands: Record<Step["_tag"], string | undefined> = {
  Idle: undefined,
  AwaitingPhone: "login",
  AwaitingLoginStep: "login",
  AwaitingCode: "login",
  AwaitingPassword: "login",
  AwaitingEmailCode: "login",
  AwaitingPriceTable: "tabela"
}

/** The command each feature's buttons carry on, by their callback data's prefix. */
const buttonCommands: ReadonlyArray<readonly [prefix: string, command: string]> = [
  [groupsButtonPrefix, "grupos"],
  [CodeKeypad.prefix, "login"],
  [resendButton, "login"],
  [tableButtonPrefix, "tabela"],
  [historyButtonPrefix, "pedidos"],
  [paymentsButtonPrefix, "plano"],
  [sessionsButtonPrefix, "admin_sessoes"],
  [auditButtonPrefix, "admin_auditoria"],
  [erasureButtonPrefix, "apagar"]
]

/** What `ctx` asks: its command, its button's feature, or the step its message answers (`ctx.step`, loaded first). */
export const requestOf = (ctx: BotContext): Request => {
  const command = commandOf(ctx)
  if (command !== undefined) return { _tag: "Command", command }
  const query = ctx.callbackQuery
  if (query !== undefined) {
    const owner = buttonCommands.find(([prefix]) => query.data?.startsWith(prefix) === true)
    return owner === undefined ? { _tag: "Button" } : { _tag: "Command", command: owner[1] }
  }
  // A payment (or its refund) is the seller's purchase whatever step they are in, and must never be taken for an answer.
  if (ctx.message?.successful_payment !== undefined || ctx.message?.refunded_payment !== undefined) return { _tag: "Command", command: "plano" }
  const carried = stepCommands[ctx.step?._tag ?? "Idle"]
  return carried === undefined ? { _tag: "Chatter" } : { _tag: "Command", command: carried }
}

export interface SubscriptionGuardOptions {
  /** Telegram user ids allowed to run the admin commands. */
  readonly adminIds: ReadonlySet<number>
}

/** An admin command from someone who is not an administrator. */
export class AdminOnly extends Schema.TaggedError<AdminOnly>()("AdminOnly", {
  command: Schema.String
}) {
  override get message() {
    return `/${this.command} is for administrators only`
  }
}

/** The plan in force does not allow the command; `lapsedPlan` is the paid plan that is no longer in force, if any. */
export class PlanForbids extends Schema.TaggedError<PlanForbids>()("PlanForbids", {
  command: Schema.String,
  plan: Plan,
  lapsedPlan: Schema.NullOr(Plan)
}) {
  override get message() {
    return `the ${this.plan} plan does not allow /${this.command}`
  }
}

export class GuardRefusal extends Schema.TaggedError<GuardRefusal>()("GuardRefusal", {
  reason: Schema.Union([AdminOnly, PlanForbids])
}) {
  override get message() {
    return this.reason.message
  }
}

export class SubscriptionGuard extends Context.Service<SubscriptionGuard, {
  /** Passes when the user may do what `request` asks, else fails with why not. */
  readonly check: (
    userId: UserId,
    telegramUserId: number,
    request: Request
  ) => Effect.Effect<void, GuardRefusal | SubscriptionError | DatabaseError>
}>()("@vigia/control/bot/SubscriptionGuard") {
  static readonly layer = (options: SubscriptionGuardOptions) => Layer.effect(SubscriptionGuard, make(options))

  static readonly layerConfig = (config: Config.Wrap<SubscriptionGuardOptions>) =>
    Layer.effect(SubscriptionGuard, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: SubscriptionGuardOptions) {
  const subscriptions = yield* Subscriptions

  const check = Effect.fn("SubscriptionGuard.check")(function*(userId: UserId, telegramUserId: number, request: Request) {
    if (request._tag === "Chatter") return
    const command = request._tag === "Command" ? request.command : "button"
    if (command.startsWith("admin")) {
      if (!options.adminIds.has(telegramUserId)) return yield* new GuardRefusal({ reason: new AdminOnly({ command }) })
      return
    }
    if (publicCommands.has(command)) return
    const { subscription } = yield* subscriptions.current(userId)
    const now = new Date(yield* Clock.currentTimeMillis)
    const subscribed = subscription.terms.plan
    yield* canStartSession(subscription.terms, now).pipe(
      Effect.mapError((refusal) =>
        new GuardRefusal({
          reason: new PlanForbids({ command, plan: refusal.plan, lapsedPlan: subscribed === refusal.plan ? null : subscribed })
        })
      )
    )
  })

  return SubscriptionGuard.of({ check })
})
