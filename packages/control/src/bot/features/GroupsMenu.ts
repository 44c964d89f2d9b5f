/**
 * Choosing the watched groups: the `/grupos` menu with a button per group, `/ativar` and
 * `/desativar` by name or id, and the automatic-replies switch, each within the seller's plan.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { fold } from "@vigia/domain/Words"
import { Chat, GetChats } from "@vigia/protocol/Messages"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { InlineKeyboardMarkup } from "grammy/types"
import { type ActiveGroup, ActiveGroups } from "../../data/ActiveGroups.ts"
import { SessionGateway } from "../../sessions/SessionGateway.ts"
import { Subscriptions } from "../../data/Subscriptions.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import type { UserId } from "../../data/UserId.ts"
import { Users } from "../../data/Users.ts"
import { WatchedChats } from "../../sessions/WatchedChats.ts"

/** Callback data of the menu's buttons: `gr:t:{id}` toggles a group, `gr:r:{id}` its automatic replies. */
export const prefix = "gr:"

const watchable = (chat: Chat) => chat.kind === "group" || chat.kind === "supergroup"

/** A seller-facing refusal or outcome, shown as it is. */
export class GroupsMenuRefusal extends Schema.TaggedError<GroupsMenuRefusal>()("GroupsMenuRefusal", {
  message: Schema.String
}) {}

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
    const toggle = { text: `${group === undefined ? "▫️" : "✅"} ${chat.title}`.slice(0, 60), callback_data: `${prefix}t:${chat.id}` }
    return group === undefined
      ? [toggle]
      : [toggle, { text: group.autoReply ? "🤖 ligado" : "🤖 desligado", callback_data: `${prefix}r:${chat.id}` }]
  })
})

export class GroupsMenu extends Context.Service<GroupsMenu, {
  /** Sends the menu of the seller's groups (or edits `messageId` to show it again). */
  readonly show: (chatId: number, userId: UserId, messageId?: number) => Effect.Effect<void, unknown>
  readonly activate: (chatId: number, userId: UserId, query: string) => Effect.Effect<void, unknown>
  readonly deactivate: (chatId: number, userId: UserId, query: string) => Effect.Effect<void, unknown>
  /** A button of the menu was pressed: the answer to show in the callback toast. */
  readonly press: (chatId: number, userId: UserId, messageId: number, data: string) => Effect.Effect<string, unknown>
}>()("@vigia/control/bot/features/GroupsMenu") {
  static readonly layer = Layer.effect(
    GroupsMenu,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const gateway = yield* SessionGateway
      const activeGroups = yield* ActiveGroups
      const subscriptions = yield* Subscriptions
      const users = yield* Users
      const watched = yield* WatchedChats

      const phoneOf = Effect.fnUntraced(function*(userId: UserId) {
        const user = yield* users.get(userId)
        if (user.phoneNumber === null || user.telegramAccountId === null) {
          return yield* new GroupsMenuRefusal({ message: Texts.notConnected })
        }
        return user.phoneNumber as PhoneNumber
      })

      const chatsOf = Effect.fnUntraced(function*(userId: UserId) {
        const phone = yield* phoneOf(userId)
        const chats = yield* gateway.call(phone, new GetChats({ limit: 200 }))
        return chats.filter(watchable)
      })

      const show = Effect.fn("GroupsMenu.show")(function*(chatId: number, userId: UserId, messageId?: number) {
        const chats = yield* chatsOf(userId)
        if (chats.length === 0) return yield* telegram.send(chatId, Texts.noGroups).pipe(Effect.asVoid)
        const active = yield* activeGroups.list(userId)
        const { limits } = yield* subscriptions.current(userId)
        const text = Texts.groupsHeader(active.length, limits.maxActiveGroups)
        const replyMarkup = menuMarkup(chats, active)
        yield* messageId === undefined
          ? telegram.send(chatId, text, { replyMarkup }).pipe(Effect.asVoid)
          : telegram.edit(chatId, messageId, text, { replyMarkup })
      })

      const activateGroup = Effect.fnUntraced(function*(userId: UserId, group: { readonly id: number; readonly title: string }) {
        yield* activeGroups.activate(userId, { groupId: group.id, title: group.title }).pipe(
          Effect.catchTag("ActiveGroupsError", (error) => Effect.fail(new GroupsMenuRefusal({ message: error.reason.message })))
        )
        yield* watched.sync(userId)
      })

      const deactivateGroup = Effect.fnUntraced(function*(userId: UserId, groupId: number) {
        yield* activeGroups.deactivate(userId, groupId).pipe(
          Effect.catchTag("ActiveGroupsError", (error) => Effect.fail(new GroupsMenuRefusal({ message: error.reason.message })))
        )
        yield* watched.sync(userId)
      })

      /** Runs a change and tells the seller its outcome, or the refusal's own words. */
      const reply = <E, R>(chatId: number, change: Effect.Effect<string, E, R>) =>
        change.pipe(
          Effect.catchIf(
            (error): error is E & GroupsMenuRefusal => error instanceof GroupsMenuRefusal,
            (refusal) => Effect.succeed(refusal.message)
          ),
          Effect.flatMap((text) => telegram.send(chatId, text)),
          Effect.asVoid
        )

      const activate = Effect.fn("GroupsMenu.activate")(function*(chatId: number, userId: UserId, query: string) {
        if (query.trim() === "") return yield* telegram.send(chatId, Texts.usageActivate).pipe(Effect.asVoid)
        yield* reply(chatId, Effect.gen(function*() {
          const found = findGroup(yield* chatsOf(userId), query)
          if (found._tag === "NotFound") return Texts.groupNotFound(query)
          if (found._tag === "Ambiguous") return Texts.groupAmbiguous(found.titles)
          yield* activateGroup(userId, found.group)
          return Texts.groupActivated(found.group.title)
        }))
      })

      const deactivate = Effect.fn("GroupsMenu.deactivate")(function*(chatId: number, userId: UserId, query: string) {
        if (query.trim() === "") return yield* telegram.send(chatId, Texts.usageDeactivate).pipe(Effect.asVoid)
        yield* reply(chatId, Effect.gen(function*() {
          const active = yield* activeGroups.list(userId)
          const found = findGroup(active.map((group) => ({ id: group.groupId, title: group.title ?? String(group.groupId) })), query)
          if (found._tag === "NotFound") return Texts.groupNotFound(query)
          if (found._tag === "Ambiguous") return Texts.groupAmbiguous(found.titles)
          yield* deactivateGroup(userId, found.group.id)
          return Texts.groupDeactivated(found.group.title)
        }))
      })

      const press = Effect.fn("GroupsMenu.press")(function*(chatId: number, userId: UserId, messageId: number, data: string) {
        const [, action, id] = data.split(":")
        const groupId = Number(id)
        if (!Number.isSafeInteger(groupId)) return Texts.somethingWrong
        const current = yield* activeGroups.find(userId, groupId)
        const outcome = yield* Effect.gen(function*() {
          if (action === "r") {
            if (Option.isNone(current)) return Texts.groupNotActive(String(groupId))
            const group = yield* activeGroups.setAutoReply(userId, groupId, !current.value.autoReply).pipe(
              Effect.catchTag("ActiveGroupsError", (error) => Effect.fail(new GroupsMenuRefusal({ message: error.reason.message })))
            )
            const title = group.title ?? String(groupId)
            return group.autoReply ? Texts.autoReplyOn(title) : Texts.autoReplyOff(title)
          }
          if (Option.isSome(current)) {
            yield* deactivateGroup(userId, groupId)
            return Texts.groupDeactivated(current.value.title ?? String(groupId))
          }
          const chat = (yield* chatsOf(userId)).find((candidate) => candidate.id === groupId)
          if (chat === undefined) return Texts.groupNotFound(String(groupId))
          yield* activateGroup(userId, chat)
          return Texts.groupActivated(chat.title)
        }).pipe(
          // A refusal can be longer than a button's toast: the seller gets it as a message too.
          Effect.catchTag("GroupsMenuRefusal", (refusal) =>
            telegram.send(chatId, refusal.message).pipe(Effect.as(refusal.message)))
        )
        yield* show(chatId, userId, messageId)
        return outcome
      })

      return GroupsMenu.of({ show, activate, deactivate, press })
    })
  )
}
