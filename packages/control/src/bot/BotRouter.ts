/**
 * What the bot does with each update from a seller: first contact, rate limit, the subscription
 * guard, then the command or the answer to the step the seller is in. Errors end as a clear reply.
 */
import { mask } from "@vigia/domain/PhoneNumber"
import { Plan } from "@vigia/domain/Plan"
import { Duration, Effect, Layer, Schema } from "effect"
import type { Context as GrammyContext } from "grammy"
import { ActiveGroups } from "../data/ActiveGroups.ts"
import { AuditLog } from "../data/AuditLog.ts"
import * as CodeKeypad from "./CodeKeypad.ts"
import { Conversations } from "../data/Conversations.ts"
import { GroupsMenu } from "./features/GroupsMenu.ts"
import * as Groups from "./features/GroupsMenu.ts"
import { LoginFlow } from "./features/LoginFlow.ts"
import { PriceTableFlow } from "./features/PriceTableFlow.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { Sessions } from "../data/Sessions.ts"
import { SubscriptionGuard } from "./SubscriptionGuard.ts"
import { Subscriptions } from "../data/Subscriptions.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"
import type { User } from "../data/Users.ts"
import { Users } from "../data/Users.ts"

/** `/ativar@vigia_bot grupo x` → `{ name: "ativar", args: "grupo x" }`. */
export const parseCommand = (text: string): { readonly name: string; readonly args: string } | undefined => {
  const match = /^\/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim())
  return match === null ? undefined : { name: match[1]!.toLowerCase(), args: (match[2] ?? "").trim() }
}

const PlanArgument = Schema.decodeUnknownOption(Plan)

/** Registers the bot's handling of every update on the grammY bot. */
export const layer = Layer.effectDiscard(Effect.gen(function*() {
  const telegram = yield* TelegramBot
  const users = yield* Users
  const conversations = yield* Conversations
  const guard = yield* SubscriptionGuard
  const limiter = yield* RateLimiter
  const login = yield* LoginFlow
  const groups = yield* GroupsMenu
  const tables = yield* PriceTableFlow
  const subscriptions = yield* Subscriptions
  const sessions = yield* Sessions
  const activeGroups = yield* ActiveGroups
  const audit = yield* AuditLog
  const context = yield* Effect.context<never>()

  const reply = (chatId: number, text: string) => telegram.send(chatId, text).pipe(Effect.asVoid)

  const planCommand = Effect.fnUntraced(function*(chatId: number, user: User) {
    const { plan, limits, subscription } = yield* subscriptions.current(user.id)
    yield* reply(chatId, Texts.planSummary(plan, limits, plan === "free" ? null : subscription.expiresAt))
  })

  const statusCommand = Effect.fnUntraced(function*(chatId: number, user: User) {
    const active = yield* activeGroups.list(user.id)
    const session = user.phoneNumber === null ? undefined : yield* sessions.get(user.phoneNumber).pipe(Effect.option)
    const lines = session === undefined || session._tag === "None"
      ? [Texts.notConnected]
      : [
        `Conta: ${mask(session.value.phoneNumber)}`,
        `Sessão: ${Texts.sessionState[session.value.observedState] ?? session.value.observedState}`,
        ...(session.value.lastError === null ? [] : [`Último erro: ${session.value.lastError}`])
      ]
    lines.push(
      "",
      active.length === 0
        ? "Nenhum grupo ativo. Use /grupos."
        : `Grupos ativos:\n${active.map((group) => `• ${group.title ?? group.groupId}${group.autoReply ? " 🤖" : ""}`).join("\n")}`
    )
    yield* reply(chatId, Texts.statusText(lines))
  })

  const adminPlan = Effect.fnUntraced(function*(chatId: number, admin: User, args: string) {
    const [id, planText, daysText] = args.split(/\s+/)
    const plan = PlanArgument(planText)
    const telegramId = Number(id)
    const days = daysText === undefined ? null : Number(daysText)
    if (!Number.isSafeInteger(telegramId) || plan._tag === "None" || (days !== null && !(Number.isInteger(days) && days > 0))) {
      return yield* reply(chatId, Texts.adminPlanUsage)
    }
    const target = yield* users.findByTelegramId(telegramId).pipe(Effect.option)
    if (target._tag === "None") return yield* reply(chatId, Texts.adminUserUnknown(telegramId))
    yield* subscriptions.grant(target.value.id, {
      plan: plan.value,
      expiresAt: days === null ? null : new Date(Date.now() + Duration.toMillis(Duration.days(days))),
      overrides: {},
      paymentReference: null,
      source: "admin"
    })
    yield* audit.append({
      userId: target.value.id,
      action: "admin-action",
      details: { command: "admin_plano", admin: admin.telegramUserId, plan: plan.value, days }
    })
    yield* reply(chatId, Texts.adminPlanGranted(telegramId, plan.value, days))
    yield* reply(target.value.telegramUserId, Texts.planUpgraded(plan.value)).pipe(Effect.ignore)
  })

  const adminSessions = Effect.fnUntraced(function*(chatId: number, admin: User) {
    const all = yield* sessions.list({})
    yield* audit.append({ userId: null, action: "admin-action", details: { command: "admin_sessoes", admin: admin.telegramUserId } })
    yield* reply(
      chatId,
      all.length === 0
        ? "Nenhuma sessão."
        : all.map((session) => `${mask(session.phoneNumber)} — ${session.runtime}, ${session.desiredState}/${session.observedState}`).join("\n")
    )
  })

  const command = Effect.fnUntraced(function*(chatId: number, user: User, name: string, args: string) {
    const refusal = yield* guard.check(user.id, user.telegramUserId, name).pipe(Effect.flip, Effect.option)
    if (refusal._tag === "Some") {
      return yield* refusal.value._tag === "GuardRefusal" ? reply(chatId, refusal.value.message) : Effect.fail(refusal.value)
    }
    switch (name) {
      case "start":
        return yield* reply(chatId, Texts.welcome(user.firstName))
      case "ajuda":
      case "help":
        return yield* reply(chatId, Texts.help())
      case "plano":
        return yield* planCommand(chatId, user)
      case "login":
        return yield* login.begin(chatId, user.id)
      case "status":
        return yield* statusCommand(chatId, user)
      case "grupos":
        return yield* groups.show(chatId, user.id)
      case "ativar":
        return yield* groups.activate(chatId, user.id, args)
      case "desativar":
        return yield* groups.deactivate(chatId, user.id, args)
      case "tabela":
        return yield* tables.show(chatId, user.id)
      case "logout":
        return yield* login.logout(chatId, user.id)
      case "cancelar":
        return yield* reply(chatId, (yield* login.cancel(chatId)) ? Texts.loginCancelled : Texts.nothingToCancel)
      case "admin_plano":
        return yield* adminPlan(chatId, user, args)
      case "admin_sessoes":
        return yield* adminSessions(chatId, user)
      default:
        return yield* reply(chatId, Texts.unknownCommand)
    }
  })

  /** A message that is not a command answers the step the seller is in. */
  const answer = Effect.fnUntraced(function*(ctx: GrammyContext, chatId: number, user: User) {
    const message = ctx.message
    if (message === undefined) return
    const step = yield* conversations.get(chatId)
    const text = message.text ?? ""
    switch (step._tag) {
      case "AwaitingPhone":
        return yield* login.phone(chatId, user.id, message.contact?.phone_number ?? text)
      case "AwaitingCode":
        return yield* login.code(chatId, step, text, message.message_id)
      case "AwaitingPassword":
        return yield* login.password(chatId, step, text, message.message_id)
      case "AwaitingEmailCode":
        return yield* login.emailCode(chatId, step, text, message.message_id)
      case "AwaitingPriceTable":
        return yield* message.document === undefined
          ? tables.replaceFromText(chatId, user.id, text)
          : tables.replaceFromFile(chatId, user.id, message.document.file_id, message.document.file_size ?? 0)
      case "AwaitingLoginStep":
        return yield* reply(chatId, Texts.waitingTelegram)
      case "Idle":
        return yield* reply(chatId, Texts.unknownCommand)
    }
  })

  const callback = Effect.fnUntraced(function*(ctx: GrammyContext, chatId: number, user: User) {
    const query = ctx.callbackQuery
    if (query === undefined) return
    const data = query.data ?? ""
    const messageId = query.message?.message_id ?? 0
    let toast = ""
    if (data.startsWith(CodeKeypad.prefix)) {
      const step = yield* conversations.get(chatId)
      if (step._tag === "AwaitingCode") yield* login.keypad(chatId, step, data)
    } else if (data === "lg:resend") {
      yield* login.resend(chatId)
    } else if (data.startsWith(Groups.prefix)) {
      const refusal = yield* guard.check(user.id, user.telegramUserId, "grupos").pipe(Effect.flip, Effect.option)
      toast = refusal._tag === "Some" && refusal.value._tag === "GuardRefusal"
        ? refusal.value.message
        : yield* groups.press(chatId, user.id, messageId, data)
    }
    yield* telegram.call("answerCallbackQuery", (api) => api.answerCallbackQuery(query.id, toast === "" ? {} : { text: toast.slice(0, 190) }))
  })

  const handle = Effect.fnUntraced(function*(ctx: GrammyContext) {
    const from = ctx.from
    const chat = ctx.chat
    // Vigia talks to sellers in private chats only; group traffic reaches it through the sellers' workers.
    if (from === undefined || from.is_bot || chat === undefined || chat.type !== "private") return
    const verdict = yield* limiter.take(from.id)
    if (verdict === "refused-tell") return yield* reply(chat.id, Texts.slowDown)
    if (verdict === "refused-quiet") return
    const user = yield* users.getOrCreate({
      telegramUserId: from.id,
      firstName: from.first_name,
      lastName: from.last_name ?? null,
      username: from.username ?? null,
      languageCode: from.language_code ?? null
    })
    if (ctx.callbackQuery !== undefined) return yield* callback(ctx, chat.id, user)
    const parsed = parseCommand(ctx.message?.text ?? "")
    if (parsed !== undefined) return yield* command(chat.id, user, parsed.name, parsed.args)
    return yield* answer(ctx, chat.id, user)
  }, (effect, ctx) =>
    effect.pipe(
      Effect.catchCause((cause) =>
        Effect.gen(function*() {
          yield* Effect.logError("a bot update failed", cause)
          const chatId = ctx.chat?.id
          if (chatId === undefined) return
          const failure = cause.reasons.find((reason) => reason._tag === "Fail")
          const unavailable = failure !== undefined && (failure.error as { readonly _tag?: string })._tag === "SessionUnavailable"
          yield* reply(chatId, unavailable ? Texts.sessionUnavailable : Texts.somethingWrong).pipe(Effect.ignore)
          if (ctx.callbackQuery !== undefined) {
            yield* telegram.call("answerCallbackQuery", (api) => api.answerCallbackQuery(ctx.callbackQuery!.id)).pipe(Effect.ignore)
          }
        })
      ),
      Effect.annotateLogs({ telegramUserId: ctx.from?.id ?? 0, updateId: ctx.update.update_id })
    ))

  telegram.bot.use((ctx) => Effect.runPromiseWith(context)(handle(ctx)))
  telegram.bot.catch((error) => Effect.runFork(Effect.logError("grammY reported an error", error.error)))
}))
