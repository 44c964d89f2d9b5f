/**
 * Choosing the watched groups: the `/grupos` menu with a button per group, `/ativar` and
 * `/desativar` by name or id, and the automatic-replies switch, each within the seller's plan.
 */
import { fold } from "@vigia/domain/Words"
import { Chat, type CommandError, GetChats } from "@vigia/protocol/Messages"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardMarkup } from "grammy/types"
import { type ActiveGroup, ActiveGroups, type ActiveGroupsError } from "../../data/ActiveGroups.ts"
import type { DatabaseError } from "../../data/Database.ts"
import { type SubscriptionError, Subscriptions } from "../../data/Subscriptions.ts"
import type { UserId } from "../../data/UserId.ts"
import type { User, UserError } from "../../data/Users.ts"
import { SessionGateway, type SessionUnavailable } from "../../sessions/SessionGateway.ts"
import { WatchedChats } from "../../sessions/WatchedChats.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { Handlers } from "../Handlers.ts"
import { TelegramBot, type TelegramBotError } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"

/** Callback data of the menu's buttons: `gr:t:{id}` toggles a group, `gr:r:{id}` its automatic replies. */
export const buttonPrefix = "gr:"

/** The seller has no Telegram account connected, so no groups to choose from. */
export class NotConnected extends Schema.TaggedError<NotConnected>()("NotConnected", {}) {
  override get message() {
    return "the seller has no Telegram account connected"
  }
}

export type GroupsFailure =
  | TelegramBotError
  | DatabaseError
  | UserError
  | SubscriptionError
  | ActiveGroupsError
  | SessionUnavailable
  | CommandError

const watchable = (chat: Chat) => chat.kind === "group" || chat.kind === "supergroup"

/** Finds the group a seller means by `/ativar query`: an id, or a unique (accent-insensitive) part of a title. */
export const findGroup = (groups: ReadonlyArray<{ readonly id: number; readonly title: string }>, query: string) => {
  const trimmed = query.trim()
  const byId = groups.find((group) => String(group.id) === trimmed)
  if (byId !== undefined) return { _tag: "Found", group: byId } as const
  const wanted = fold(trimmed).toLowerCase()
  const exact = groups.filter((group) => fold(group.title).toLowerCase() === wanted)
  const matches = exact.length > 0 ? exact : groups.filter((group) => fold(group.title).toLowerCase().includes(wanted))
  if (matches.length === 1) return { _tag: "Found", group: matches[0]! } as const
  return matches.length === 0 ? { _tag: "NotFound" } as const : { _tag: "Ambiguous", titles: matches.map((group) => group.title) } as const
}

const menuMarkup = (chats: ReadonlyArray<Chat>, active: ReadonlyArray<ActiveGroup>): InlineKeyboardMarkup => ({
  inline_keyboard: chats.slice(0, 50).map((chat) => {
    const group = active.find((candidate) => candidate.groupId === chat.id)
    const toggle = { text: `${group === undefined ? "▫️" : "✅"} ${chat.title}`.slice(0, 60), callback_data: `${buttonPrefix}t:${chat.id}` }
    return group === undefined
      ? [toggle]
      : [toggle, { text: group.autoReply ? "🤖 ligado" : "🤖 desligado", callback_data: `${buttonPrefix}r:${chat.id}` }]
  })
})

export class Groups extends Context.Service<Groups, {
  readonly composer: Composer<BotContext>
  /** Sends the menu of the seller's groups (or edits `messageId` to show it again). */
  readonly show: (seller: User, messageId?: number) => Effect.Effect<void, GroupsFailure>
}>()("@vigia/control/bot/features/Groups") {
  static readonly layer = Layer.effect(
    Groups,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const gateway = yield* SessionGateway
      const activeGroups = yield* ActiveGroups
      const subscriptions = yield* Subscriptions
      const watched = yield* WatchedChats

      const phoneOf = (seller: User) =>
        seller.phoneNumber === null || seller.telegramAccountId === null
          ? Effect.fail(new NotConnected())
          : Effect.succeed(seller.phoneNumber)

      const chatsOf = Effect.fnUntraced(function*(seller: User) {
        const chats = yield* gateway.call(yield* phoneOf(seller), new GetChats({ limit: 200 }))
        return chats.filter(watchable)
      })

      // The seller's private chat with the bot is their Telegram user id.
      const menu = Effect.fnUntraced(function*(seller: User, messageId: number | undefined) {
        const chatId = seller.telegramUserId
        const chats = yield* chatsOf(seller)
        if (chats.length === 0) return yield* telegram.send(chatId, Texts.noGroups)
        const active = yield* activeGroups.list(seller.id)
        const { limits } = yield* subscriptions.current(seller.id)
        const text = Texts.groupsHeader(active.length, limits.maxActiveGroups)
        const replyMarkup = menuMarkup(chats, active)
        yield* messageId === undefined
          ? telegram.send(chatId, text, { replyMarkup })
          : telegram.edit(chatId, messageId, text, { replyMarkup })
      })

      const show = (seller: User, messageId?: number) =>
        menu(seller, messageId).pipe(
          Effect.catchTag("NotConnected", () => telegram.send(seller.telegramUserId, Texts.notConnected)),
          Effect.asVoid,
          Effect.withSpan("Groups.show")
        )

      /** What the seller reads when the data layer refuses a change of their groups. */
      const refusalText = Effect.fnUntraced(function*(userId: UserId, error: ActiveGroupsError) {
        const reason = error.reason
        if (reason._tag === "UserNotFound") return yield* error
        if (reason._tag === "GroupNotActive") return FailureTexts.groupNotActive
        const { plan, subscription } = yield* subscriptions.current(userId)
        const lapsedPlan = subscription.terms.plan === plan ? null : subscription.terms.plan
        return reason._tag === "PlanLimitReached"
          ? FailureTexts.planRefused({ _tag: "GroupLimitReached", limit: reason.limit }, reason.plan, lapsedPlan)
          : FailureTexts.planRefused({ _tag: "AdvancedFeaturesNotAllowed" }, reason.plan, lapsedPlan)
      })

      /** Runs a change of the seller's groups: its outcome, or what the seller reads when it is refused. */
      const change = (userId: UserId, effect: Effect.Effect<string, GroupsFailure | NotConnected>) =>
        effect.pipe(
          Effect.catchTags({
            NotConnected: () => Effect.succeed(Texts.notConnected),
            ActiveGroupsError: (error) => refusalText(userId, error)
          })
        )

      const activateGroup = Effect.fnUntraced(function*(userId: UserId, group: { readonly id: number; readonly title: string }) {
        yield* activeGroups.activate(userId, { groupId: group.id, title: group.title })
        yield* watched.sync(userId)
        return Texts.groupActivated(group.title)
      })

      const deactivateGroup = Effect.fnUntraced(function*(userId: UserId, group: { readonly id: number; readonly title: string }) {
        yield* activeGroups.deactivate(userId, group.id)
        yield* watched.sync(userId)
        return Texts.groupDeactivated(group.title)
      })

      const activate = Effect.fn("Groups.activate")(function*(seller: User, query: string) {
        if (query === "") return yield* telegram.send(seller.telegramUserId, Texts.usageActivate)
        const outcome = yield* change(seller.id, Effect.gen(function*() {
          const found = findGroup(yield* chatsOf(seller), query)
          if (found._tag === "NotFound") return Texts.groupNotFound(query)
          if (found._tag === "Ambiguous") return Texts.groupAmbiguous(found.titles)
          return yield* activateGroup(seller.id, found.group)
        }))
        return yield* telegram.send(seller.telegramUserId, outcome)
      }, Effect.asVoid)

      const deactivate = Effect.fn("Groups.deactivate")(function*(seller: User, query: string) {
        if (query === "") return yield* telegram.send(seller.telegramUserId, Texts.usageDeactivate)
        const outcome = yield* change(seller.id, Effect.gen(function*() {
          const active = yield* activeGroups.list(seller.id)
          const found = findGroup(active.map((group) => ({ id: group.groupId, title: group.title ?? String(group.groupId) })), query)
          if (found._tag === "NotFound") return Texts.groupNotFound(query)
          if (found._tag === "Ambiguous") return Texts.groupAmbiguous(found.titles)
          return yield* deactivateGroup(seller.id, found.group)
        }))
        return yield* telegram.send(seller.telegramUserId, outcome)
      }, Effect.asVoid)

      /** A menu button: toggles the group (`t`) or its automatic replies (`r`); the outcome is the button's toast. */
      const press = Effect.fn("Groups.press")(function*(seller: User, messageId: number, data: string) {
        const userId = seller.id
        const [, action, id] = data.split(":")
        const groupId = Number(id)
        if (!Number.isSafeInteger(groupId)) return Texts.somethingWrong
        const current = yield* activeGroups.find(userId, groupId)
        const outcome = yield* Effect.gen(function*() {
          if (action === "r") {
            if (Option.isNone(current)) return Texts.groupNotActive(String(groupId))
            const group = yield* activeGroups.setAutoReply(userId, groupId, !current.value.autoReply)
            const title = group.title ?? String(groupId)
            return group.autoReply ? Texts.autoReplyOn(title) : Texts.autoReplyOff(title)
          }
          if (Option.isSome(current)) return yield* deactivateGroup(userId, { id: groupId, title: current.value.title ?? String(groupId) })
          const chat = (yield* chatsOf(seller)).find((candidate) => candidate.id === groupId)
          return chat === undefined ? Texts.groupNotFound(String(groupId)) : yield* activateGroup(userId, chat)
        }).pipe(
          // A refusal can be longer than a button's toast: the seller gets it as a message too.
          Effect.catchTags({
            // Shown again below, as the menu would be.
            NotConnected: () => Effect.succeed(Texts.notConnected),
            ActiveGroupsError: (error) =>
              refusalText(userId, error).pipe(Effect.tap((text) => telegram.send(seller.telegramUserId, text)))
          })
        )
        yield* show(seller, messageId)
        return outcome
      })

      const composer = new Composer<BotContext>()
      composer.command("grupos", handlers.handle((ctx) => show(ctx.seller)))
      composer.command("ativar", handlers.handle((ctx) => activate(ctx.seller, argumentsOf(ctx))))
      composer.command("desativar", handlers.handle((ctx) => deactivate(ctx.seller, argumentsOf(ctx))))
      composer.callbackQuery(
        new RegExp(`^${buttonPrefix}`),
        handlers.button((ctx) =>
          press(ctx.seller, ctx.callbackQuery.message?.message_id ?? 0, ctx.callbackQuery.data)
        )
      )

      return Groups.of({ composer, show })
    })
  )
}
