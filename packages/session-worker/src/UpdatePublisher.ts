/**
 * Turns TDLib's allowlisted updates into the protocol's small updates: authorization
 * steps, connection state, and the new (or edited) messages with words from watched chats only.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Clock, Effect, Option, Ref, Stream } from "effect"
import { Outbox } from "./Outbox.ts"
import { codeType, connectionName, stateName, toTelegramUser } from "./tdlib/FromTdlib.ts"
import * as TdApi from "./tdlib/TdApi.ts"
import { Tdl } from "./tdlib/Tdl.ts"
import { WatchedChats } from "./WatchedChats.ts"

/** How long the name of a message's sender may take; a message is never held back for it. */
const nameTimeout = "2 seconds"

/** Each message published starts its own trace (an order's), carried to the control plane in its envelope. */
const newTrace = (name: string) => Effect.withSpan(name, { root: true, kind: "producer" })

/**
 * Publishes TDLib's updates until the scope closes; `phone` is the account's, its user's when TDLib gives none.
 * Untraced: only a message's publication is a span, so no other update joins an order's trace.
 */
export const publishUpdates = Effect.fnUntraced(function*(phone: PhoneNumber) {
  const tdl = yield* Tdl
  const watched = yield* WatchedChats
  const outbox = yield* Outbox
  const loggingOut = yield* Ref.make(false)
  const names = new Map<number, string>()

  const senderName = Effect.fnUntraced(function*(sender: TdApi.MessageSender) {
    const id = sender._ === "messageSenderUser" ? sender.user_id : sender.chat_id
    const known = names.get(id)
    if (known !== undefined) return known
    const name = yield* (sender._ === "messageSenderUser"
      ? tdl.invoke({ _: "getUser", user_id: id }, { timeout: nameTimeout }).pipe(
        Effect.map((user) => `${user.first_name} ${user.last_name}`.trim())
      )
      : tdl.invoke({ _: "getChat", chat_id: id }, { timeout: nameTimeout }).pipe(Effect.map((chat) => chat.title))).pipe(
        Effect.tap((name) => Effect.sync(() => names.set(id, name))),
        Effect.catch((error) => Effect.logWarning("no name for a message's sender", error.message).pipe(Effect.as("")))
      )
    return name
  })

  const authorized = Effect.gen(function*() {
    const me = yield* tdl.invoke({ _: "getMe" })
    const user = yield* toTelegramUser(me, phone)
    yield* outbox.update(new Messages.Authorized({ user }))
    // TDLib sends every update of a supergroup or channel only while the chat is open.
    const chats = yield* watched.chatIds
    yield* Effect.forEach(chats, (id) => tdl.invoke({ _: "openChat", chat_id: id }).pipe(Effect.ignore), {
      discard: true
    })
  }).pipe(Effect.catch((error) => Effect.logError("authorized, but the account could not be read", error.message)))

  const authorizationSteps = (state: TdApi.AuthorizationState): Effect.Effect<void> => {
    switch (state._) {
      case "authorizationStateWaitCode": {
        const info = state.code_info
        return outbox.update(
          new Messages.WaitingForCode({
            codeType: codeType(info.type),
            length: info.type.length ?? 0,
            timeoutSeconds: info.timeout,
            ...(info.next_type === undefined ? {} : { nextType: codeType(info.next_type) })
          })
        )
      }
      case "authorizationStateWaitPassword":
        return outbox.update(new Messages.WaitingForPassword({ hint: state.password_hint }))
      case "authorizationStateWaitEmailAddress":
        return outbox.update(new Messages.WaitingForEmail())
      case "authorizationStateWaitEmailCode":
        return outbox.update(
          new Messages.WaitingForEmailCode({
            emailPattern: state.code_info.email_address_pattern,
            length: state.code_info.length
          })
        )
      case "authorizationStateWaitRegistration":
        return outbox.update(new Messages.WaitingForRegistration())
      case "authorizationStateWaitOtherDeviceConfirmation":
        return outbox.update(new Messages.WaitingForOtherDeviceConfirmation({ link: state.link }))
      case "authorizationStateReady":
        return authorized
      case "authorizationStateLoggingOut":
        return Ref.set(loggingOut, true)
      case "authorizationStateClosed":
        return Ref.get(loggingOut).pipe(
          Effect.flatMap((out) => out ? outbox.update(new Messages.LoggedOut()) : Effect.void)
        )
      default:
        return Effect.void
    }
  }

  /** What a published message says of itself: where, which, who wrote it, its words, when. */
  const described = Effect.fnUntraced(function*(message: TdApi.Message, text: string) {
    const sender = message.sender_id
    return {
      chatId: message.chat_id,
      messageId: message.id,
      senderId: sender._ === "messageSenderUser" ? sender.user_id : sender.chat_id,
      senderName: yield* senderName(sender),
      text,
      date: message.date
    }
  })

  const newMessage = Effect.fnUntraced(function*(message: TdApi.Message) {
    // The account's own messages (its quotes, its replies) are not orders.
    if (message.is_outgoing) return
    const text = TdApi.wordsOf(message.content)
    if (text.trim() === "") return
    if (!(yield* watched.accepts(message.chat_id, message.date))) return
    yield* outbox.update(new Messages.NewMessage(yield* described(message, text)))
  }, newTrace("UpdatePublisher.newMessage"))

  /** An edit of a customer's message in a watched chat: TDLib names the message, `getMessage` tells whose it is. */
  const messageEdited = Effect.fnUntraced(function*(update: typeof TdApi.UpdateMessageContent.Type) {
    const text = TdApi.wordsOf(update.new_content)
    if (text.trim() === "" || !(yield* watched.accepts(update.chat_id, Number.MAX_SAFE_INTEGER))) return
    const found = yield* tdl.invoke({ _: "getMessage", chat_id: update.chat_id, message_id: update.message_id }, {
      timeout: nameTimeout
    }).pipe(
      Effect.tapError((error) => Effect.logWarning("an edited message could not be read", error.message)),
      Effect.option
    )
    if (Option.isNone(found)) return
    const message = found.value
    if (message.is_outgoing || !(yield* watched.accepts(message.chat_id, message.date))) return
    const editDate = message.edit_date ?? Math.floor((yield* Clock.currentTimeMillis) / 1000)
    yield* outbox.update(new Messages.MessageEdited({ ...(yield* described(message, text)), editDate }))
  }, newTrace("UpdatePublisher.messageEdited"))

  const publish = (update: TdApi.Update): Effect.Effect<void> => {
    switch (update._) {
      case "updateAuthorizationState": {
        const state = update.authorization_state
        return outbox.update(new Messages.AuthorizationState({ state: stateName(state) })).pipe(
          Effect.andThen(authorizationSteps(state))
        )
      }
      case "updateConnectionState":
        return outbox.update(new Messages.ConnectionState({ state: connectionName(update.state) }))
      case "updateNewMessage":
        return newMessage(update.message)
      case "updateMessageContent":
        return messageEdited(update)
    }
  }

  return yield* tdl.updates.pipe(Stream.runForEach(publish))
})
