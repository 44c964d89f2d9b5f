/**
 * The part of TDLib's JSON API the worker uses, as schemas with TDLib's own names:
 * the requests it sends, the answers it reads and the few updates it lets through.
 */
import { type Effect, Schema, type Scope } from "effect"
import type * as Td from "tdlib-types"

export const Ok = Schema.Struct({ _: Schema.Literal("ok") })

export const FormattedText = Schema.Struct({ _: Schema.Literal("formattedText"), text: Schema.String })

export const AuthenticationCodeType = Schema.Struct({
  _: Schema.String,
  length: Schema.optionalKey(Schema.Number)
})

export const AuthenticationCodeInfo = Schema.Struct({
  _: Schema.Literal("authenticationCodeInfo"),
  phone_number: Schema.String,
  type: AuthenticationCodeType,
  next_type: Schema.optionalKey(AuthenticationCodeType),
  timeout: Schema.Number
})

const EmailAddressAuthenticationCodeInfo = Schema.Struct({
  _: Schema.Literal("emailAddressAuthenticationCodeInfo"),
  email_address_pattern: Schema.String,
  length: Schema.Number
})

const state = <const Tag extends string>(tag: Tag) => Schema.Struct({ _: Schema.Literal(tag) })

export const AuthorizationStateWaitCode = Schema.Struct({
  _: Schema.Literal("authorizationStateWaitCode"),
  code_info: AuthenticationCodeInfo
})

export const AuthorizationStateWaitPassword = Schema.Struct({
  _: Schema.Literal("authorizationStateWaitPassword"),
  password_hint: Schema.String,
  has_recovery_email_address: Schema.Boolean,
  has_passport_data: Schema.Boolean,
  recovery_email_address_pattern: Schema.String
})

export const AuthorizationState = Schema.Union([
  state("authorizationStateWaitTdlibParameters"),
  state("authorizationStateWaitPhoneNumber"),
  Schema.Struct({ _: Schema.Literal("authorizationStateWaitPremiumPurchase"), store_product_id: Schema.String }),
  Schema.Struct({
    _: Schema.Literal("authorizationStateWaitEmailAddress"),
    allow_apple_id: Schema.Boolean,
    allow_google_id: Schema.Boolean
  }),
  Schema.Struct({
    _: Schema.Literal("authorizationStateWaitEmailCode"),
    code_info: EmailAddressAuthenticationCodeInfo
  }),
  AuthorizationStateWaitCode,
  Schema.Struct({ _: Schema.Literal("authorizationStateWaitOtherDeviceConfirmation"), link: Schema.String }),
  Schema.Struct({
    _: Schema.Literal("authorizationStateWaitRegistration"),
    terms_of_service: Schema.Struct({ text: FormattedText })
  }),
  AuthorizationStateWaitPassword,
  state("authorizationStateReady"),
  state("authorizationStateLoggingOut"),
  state("authorizationStateClosing"),
  state("authorizationStateClosed")
])
export type AuthorizationState = typeof AuthorizationState.Type

export const ConnectionState = Schema.Struct({
  _: Schema.Literals([
    "connectionStateWaitingForNetwork",
    "connectionStateConnectingToProxy",
    "connectionStateConnecting",
    "connectionStateUpdating",
    "connectionStateReady"
  ])
})
export type ConnectionState = typeof ConnectionState.Type

export const ChatType = Schema.Union([
  Schema.Struct({ _: Schema.Literal("chatTypePrivate"), user_id: Schema.Number }),
  Schema.Struct({ _: Schema.Literal("chatTypeBasicGroup"), basic_group_id: Schema.Number }),
  Schema.Struct({
    _: Schema.Literal("chatTypeSupergroup"),
    supergroup_id: Schema.Number,
    is_channel: Schema.Boolean
  }),
  Schema.Struct({ _: Schema.Literal("chatTypeSecret"), secret_chat_id: Schema.Number, user_id: Schema.Number })
])
export type ChatType = typeof ChatType.Type

export const Chat = Schema.Struct({
  _: Schema.Literal("chat"),
  id: Schema.Number,
  type: ChatType,
  title: Schema.String
})
export type Chat = typeof Chat.Type

export const Chats = Schema.Struct({
  _: Schema.Literal("chats"),
  total_count: Schema.Number,
  chat_ids: Schema.Array(Schema.Number)
})

export const User = Schema.Struct({
  _: Schema.Literal("user"),
  id: Schema.Number,
  first_name: Schema.String,
  last_name: Schema.String,
  usernames: Schema.optionalKey(Schema.Struct({ active_usernames: Schema.Array(Schema.String) })),
  phone_number: Schema.String
})
export type User = typeof User.Type

export const MessageSender = Schema.Union([
  Schema.Struct({ _: Schema.Literal("messageSenderUser"), user_id: Schema.Number }),
  Schema.Struct({ _: Schema.Literal("messageSenderChat"), chat_id: Schema.Number })
])
export type MessageSender = typeof MessageSender.Type

/** The one content kind whose words are its `text`. */
export const MessageText = Schema.Struct({ _: Schema.Literal("messageText"), text: FormattedText })

/** The content kinds whose words are a `caption`. */
export const CaptionedContent = Schema.Struct({
  _: Schema.Literals([
    "messageAnimation",
    "messageAudio",
    "messageDocument",
    "messagePaidMedia",
    "messagePhoto",
    "messageVideo",
    "messageVoiceNote"
  ]),
  caption: FormattedText
})

export const MessageContent = Schema.Union([MessageText, CaptionedContent, Schema.Struct({ _: Schema.String })])
export type MessageContent = typeof MessageContent.Type

/** The words a person wrote in a message: its text, or its media's caption; empty for everything else. */
export const wordsOf = (content: MessageContent): string =>
  Schema.is(MessageText)(content) ? content.text.text : Schema.is(CaptionedContent)(content) ? content.caption.text : ""

export const Message = Schema.Struct({
  _: Schema.Literal("message"),
  id: Schema.Number,
  chat_id: Schema.Number,
  sender_id: MessageSender,
  is_outgoing: Schema.Boolean,
  date: Schema.Number,
  /** When the message was last edited (Unix seconds); 0 or absent when never. */
  edit_date: Schema.optionalKey(Schema.Number),
  content: MessageContent
})
export type Message = typeof Message.Type

export const UpdateAuthorizationState = Schema.Struct({
  _: Schema.Literal("updateAuthorizationState"),
  authorization_state: AuthorizationState
})

export const UpdateConnectionState = Schema.Struct({
  _: Schema.Literal("updateConnectionState"),
  state: ConnectionState
})

export const UpdateNewMessage = Schema.Struct({
  _: Schema.Literal("updateNewMessage"),
  message: Message
})

/** A message's content changed (an edit); TDLib names the message, `getMessage` tells who wrote it and when. */
export const UpdateMessageContent = Schema.Struct({
  _: Schema.Literal("updateMessageContent"),
  chat_id: Schema.Number,
  message_id: Schema.Number,
  new_content: MessageContent
})

/** The allowlist: the only updates that leave the `Tdl` service; TDLib's thousands of others stop there. */
export const Update = Schema.Union([UpdateAuthorizationState, UpdateConnectionState, UpdateNewMessage, UpdateMessageContent])
export type Update = typeof Update.Type
export const updateTags: ReadonlySet<string> = new Set(Update.members.map((member) => member.fields._.literal))

/** TDLib's answer to a failed request. */
export const TdError = Schema.Struct({ _: Schema.Literal("error"), code: Schema.Number, message: Schema.String })
export type TdError = typeof TdError.Type

/** The requests the worker sends, each with the schema of TDLib's answer. */
export const results = {
  setTdlibParameters: Ok,
  setDatabaseEncryptionKey: Ok,
  setNetworkType: Ok,
  getAuthorizationState: AuthorizationState,
  setAuthenticationPhoneNumber: Ok,
  resendAuthenticationCode: Ok,
  checkAuthenticationCode: Ok,
  checkAuthenticationEmailCode: Ok,
  checkAuthenticationPassword: Ok,
  getMe: User,
  getUser: User,
  loadChats: Ok,
  getChats: Chats,
  getChat: Chat,
  getMessage: Message,
  openChat: Ok,
  closeChat: Ok,
  sendMessage: Message,
  logOut: Ok,
  close: Ok
} as const

export type FunctionName = keyof typeof results
export type Request<K extends FunctionName> = { readonly _: K } & Td.$FunctionInputByName[K]
export type Result<K extends FunctionName> = (typeof results)[K]["Type"]
/** What TDLib sends back over JSON, before the worker reads it. */
export type Answer<K extends FunctionName> = (typeof results)[K]["Encoded"]
export type AnyRequest = { readonly [K in FunctionName]: Request<K> }[FunctionName]

/**
 * One TDLib client as the `Tdl` service drives it, real or fake: requests answered
 * with TDLib's raw JSON or its error, updates pushed to the listener given at connection.
 */
export interface TdClient {
  readonly send: (request: AnyRequest) => Effect.Effect<unknown, TdError>
}
export type RawUpdate = { readonly _: string; readonly [field: string]: unknown }
export type Connect<E, R> = (
  onUpdate: (update: RawUpdate) => void
) => Effect.Effect<TdClient, E, R | Scope.Scope>
