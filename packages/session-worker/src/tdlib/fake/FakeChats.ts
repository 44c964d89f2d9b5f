/**
 * The fake's chats and messages for a logged-in account: who it is, its users and chats (announced with
 * `updateNewChat` as TDLib does), and sending a message, refused where the account cannot write.
 */
import { Effect, Option, Ref, Schema } from "effect"
import type * as TdApi from "../TdApi.ts"
import { type FakeAccount, FakeTdlRefused, InjectedMessage } from "./FakeAccount.ts"
import { chatNotFound, chatObject, contentOf, formatted, ok, tdError, userObject } from "./FakeObjects.ts"
import type { FakeChat } from "./FakeScript.ts"
import { type FakeSession, type Handlers, ready } from "./FakeSession.ts"

export const chatHandlers = (account: FakeAccount, session: FakeSession): Handlers<
  "getMe" | "getUser" | "loadChats" | "getChats" | "getChat" | "getMessage" | "openChat" | "closeChat" | "sendMessage"
> => {
  const { script } = account
  const loggedIn = ready(session)
  const order = (chat: FakeChat) => 1000 - script.chats.indexOf(chat)

  /** Announces the chats not announced yet; answers how many were. */
  const announceChats = Effect.fnUntraced(function*(chats: ReadonlyArray<FakeChat>) {
    const known = yield* Ref.get(session.knownChats)
    const fresh = chats.filter((chat) => !known.has(chat.id))
    for (const chat of fresh) session.emit({ _: "updateNewChat", chat: chatObject(chat, order(chat)) })
    yield* Ref.set(session.knownChats, new Set([...known, ...fresh.map((chat) => chat.id)]))
    return fresh.length
  })

  const existing = (chatId: number | undefined) =>
    loggedIn.pipe(Effect.andThen(Option.isSome(account.findChat(chatId)) ? Effect.succeed(ok) : Effect.fail(chatNotFound)))

  return {
    getMe: () => loggedIn.pipe(Effect.as(account.me)),

    getUser: (request) =>
      loggedIn.pipe(
        Effect.andThen(() => {
          if (request.user_id === script.me.id) return Effect.succeed(account.me)
          const chat = script.chats.find((c) => c.kind === "private" && c.id === request.user_id)
          if (chat === undefined) return Effect.fail(tdError(400, "User not found"))
          const [firstName = "", ...rest] = chat.title.split(" ")
          return Effect.succeed(userObject(chat.id, firstName, rest.join(" "), "", ""))
        })
      ),

    loadChats: () =>
      loggedIn.pipe(
        Effect.andThen(announceChats(script.chats)),
        Effect.flatMap((fresh) => fresh === 0 ? Effect.fail(tdError(404, "Not Found")) : Effect.succeed(ok))
      ),

    getChats: (request) =>
      Effect.gen(function*() {
        yield* loggedIn
        const chats = script.chats.slice(0, request.limit ?? 100)
        yield* announceChats(chats)
        return { _: "chats" as const, total_count: script.chats.length, chat_ids: chats.map((chat) => chat.id) }
      }),

    getChat: (request) =>
      Effect.gen(function*() {
        yield* loggedIn
        const chat = account.findChat(request.chat_id)
        if (Option.isNone(chat)) return yield* Effect.fail(chatNotFound)
        return chatObject(chat.value, order(chat.value))
      }),

    getMessage: (request) =>
      loggedIn.pipe(
        Effect.andThen(() => {
          const message = editedMessages(account).get(`${request.chat_id}:${request.message_id}`)
          return message === undefined ? Effect.fail(tdError(404, "Not Found")) : Effect.succeed(message)
        })
      ),

    openChat: (request) => existing(request.chat_id),

    closeChat: (request) => existing(request.chat_id),

    sendMessage: (request) =>
      Effect.gen(function*() {
        yield* loggedIn
        const chat = account.findChat(request.chat_id)
        if (Option.isNone(chat)) return yield* Effect.fail(chatNotFound)
        if (chat.value.kind === "channel") return yield* Effect.fail(tdError(400, "Have no rights to send a message"))
        const content = request.input_message_content
        const text = content?._ === "inputMessageText" ? content.text?.text ?? "" : ""
        if (text.trim() === "") return yield* Effect.fail(tdError(400, "Message must be non-empty"))
        const date = yield* account.now
        const temporaryId = yield* account.newMessageId
        const messageId = yield* account.newMessageId
        const message = {
          _: "message" as const,
          id: temporaryId,
          chat_id: chat.value.id,
          sender_id: { _: "messageSenderUser" as const, user_id: script.me.id },
          is_outgoing: true,
          date,
          content: { _: "messageText" as const, text: formatted(text) },
          sending_state: { _: "messageSendingStatePending", sending_id: 0 }
        }
        yield* account.recordSent({ chatId: chat.value.id, messageId, text, date })
        session.emit({ _: "updateNewMessage", message })
        session.emit({ _: "updateChatLastMessage", chat_id: chat.value.id, last_message: message, positions: [] })
        session.emit({ _: "updateMessageSendSucceeded", old_message_id: temporaryId, message: { ...message, id: messageId } })
        return message
      })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Edits: someone edits a message they wrote; TDLib announces the new content, then the edit.

/** The message's new words, as someone writes them (`date`: when it was first sent; the edit's time when not given). */
export const EditedMessage = Schema.Struct({ ...InjectedMessage.fields, messageId: Schema.Int })
export type EditedMessage = typeof EditedMessage.Type

/** The messages edited on each account, as `getMessage` answers them (the fake knows no others' content). */
const edits = new WeakMap<FakeAccount, Map<string, TdApi.Answer<"getMessage">>>()

const editedMessages = (account: FakeAccount) => {
  const known = edits.get(account) ?? new Map<string, TdApi.Answer<"getMessage">>()
  edits.set(account, known)
  return known
}

/** Someone edits their message `messageId` in one of the account's chats; answers the edit's date. */
export const editMessage = (account: FakeAccount) =>
  Effect.fn("TdlFake.editMessage")(function*(input: EditedMessage) {
    const refused = (message: string) => new FakeTdlRefused({ message })
    const active = yield* Ref.get(account.current)
    if (Option.isNone(active)) return yield* refused("no TDLib client is open")
    if ((yield* Ref.get(active.value.authorization))._ !== "authorizationStateReady") {
      return yield* refused("the account is not logged in")
    }
    const chat = account.findChat(input.chatId)
    if (Option.isNone(chat)) return yield* refused(`the account has no chat ${input.chatId}`)
    const editDate = yield* account.now
    const key = `${input.chatId}:${input.messageId}`
    const content = contentOf(input)
    const customer = account.script.chats.find((candidate) => candidate.kind === "private")?.id ?? 700000002
    editedMessages(account).set(key, {
      _: "message",
      id: input.messageId,
      chat_id: input.chatId,
      sender_id: { _: "messageSenderUser", user_id: input.senderUserId ?? customer },
      is_outgoing: false,
      date: input.date ?? editedMessages(account).get(key)?.date ?? editDate,
      edit_date: editDate,
      content
    })
    active.value.emit({ _: "updateMessageContent", chat_id: input.chatId, message_id: input.messageId, new_content: content })
    active.value.emit({ _: "updateMessageEdited", chat_id: input.chatId, message_id: input.messageId, edit_date: editDate })
    return editDate
  })
