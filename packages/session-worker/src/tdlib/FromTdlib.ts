/**
 * TDLib's objects as the protocol's small values: chats, users, authorization and
 * connection state names, login code types.
 */
import { normalize, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Effect, Schema } from "effect"
import type * as TdApi from "./TdApi.ts"

export const chatKind = (type: TdApi.ChatType): Messages.ChatKind => {
  switch (type._) {
    case "chatTypeBasicGroup":
      return "group"
    case "chatTypeSupergroup":
      return type.is_channel ? "channel" : "supergroup"
    case "chatTypePrivate":
    case "chatTypeSecret":
      return "private"
  }
}

export const toChat = (chat: TdApi.Chat) => new Messages.Chat({ id: chat.id, title: chat.title, kind: chatKind(chat.type) })

/** Groups and supergroups first (the chats a seller watches), then channels, then private chats. */
export const kindOrder: Record<Messages.ChatKind, number> = { group: 0, supergroup: 0, channel: 1, private: 2 }

/** The account's user; its phone from TDLib when TDLib gives one, else the worker's own. */
export const toTelegramUser = (user: TdApi.User, fallbackPhone: PhoneNumber) =>
  normalize(user.phone_number).pipe(
    Effect.orElseSucceed(() => fallbackPhone),
    Effect.map((phoneNumber) => {
      const username = user.usernames?.active_usernames[0]
      return new Messages.TelegramUser({
        userId: user.id,
        firstName: user.first_name,
        lastName: user.last_name,
        phoneNumber,
        ...(username === undefined ? {} : { username })
      })
    })
  )

const stateNames: Record<TdApi.AuthorizationState["_"], typeof Messages.AuthorizationStateName.Type> = {
  authorizationStateWaitTdlibParameters: "WaitTdlibParameters",
  authorizationStateWaitPhoneNumber: "WaitPhoneNumber",
  authorizationStateWaitPremiumPurchase: "WaitPremiumPurchase",
  authorizationStateWaitEmailAddress: "WaitEmailAddress",
  authorizationStateWaitEmailCode: "WaitEmailCode",
  authorizationStateWaitCode: "WaitCode",
  authorizationStateWaitOtherDeviceConfirmation: "WaitOtherDeviceConfirmation",
  authorizationStateWaitRegistration: "WaitRegistration",
  authorizationStateWaitPassword: "WaitPassword",
  authorizationStateReady: "Ready",
  authorizationStateLoggingOut: "LoggingOut",
  authorizationStateClosing: "Closing",
  authorizationStateClosed: "Closed"
}
export const stateName = (state: TdApi.AuthorizationState) => stateNames[state._]

const connectionNames: Record<TdApi.ConnectionState["_"], typeof Messages.ConnectionStateName.Type> = {
  connectionStateWaitingForNetwork: "WaitingForNetwork",
  connectionStateConnectingToProxy: "ConnectingToProxy",
  connectionStateConnecting: "Connecting",
  connectionStateUpdating: "Updating",
  connectionStateReady: "Ready"
}
export const connectionName = (state: TdApi.ConnectionState) => connectionNames[state._]

const isCodeType = Schema.is(Messages.CodeType)

/** `authenticationCodeTypeSms` → `Sms`; a kind newer than the protocol → `Other`. */
export const codeType = (type: typeof TdApi.AuthenticationCodeType.Type): typeof Messages.CodeType.Type => {
  const name = type._.slice("authenticationCodeType".length)
  return isCodeType(name) ? name : "Other"
}
