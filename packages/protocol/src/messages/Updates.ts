/**
 * Updates (worker → control): small normalised payloads, never raw TDLib objects.
 */
import { Schema } from "effect"
import { ChatId, MessageId, TelegramUser } from "./Values.ts"

export class NewMessage extends Schema.TaggedClass<NewMessage>()("NewMessage", {
  chatId: ChatId,
  messageId: MessageId,
  senderId: Schema.Int,
  senderName: Schema.String,
  /** The text, or the caption of a media message. */
  text: Schema.String,
  /** Unix time in seconds, as TDLib gives it. */
  date: Schema.Int
}) {}

export const ConnectionStateName = Schema.Literals([
  "WaitingForNetwork",
  "ConnectingToProxy",
  "Connecting",
  "Updating",
  "Ready"
])

export class ConnectionState extends Schema.TaggedClass<ConnectionState>()("ConnectionState", {
  state: ConnectionStateName
}) {}

export const AuthorizationStateName = Schema.Literals([
  "WaitTdlibParameters",
  "WaitPhoneNumber",
  "WaitCode",
  "WaitPassword",
  "WaitEmailAddress",
  "WaitEmailCode",
  "WaitRegistration",
  "WaitOtherDeviceConfirmation",
  "WaitPremiumPurchase",
  "Ready",
  "LoggingOut",
  "Closing",
  "Closed"
])

export class AuthorizationState extends Schema.TaggedClass<AuthorizationState>()("AuthorizationState", {
  state: AuthorizationStateName
}) {}

export const CodeType = Schema.Literals([
  "TelegramMessage",
  "Sms",
  "SmsWord",
  "SmsPhrase",
  "Call",
  "FlashCall",
  "MissedCall",
  "Fragment",
  "FirebaseAndroid",
  "FirebaseIos",
  "Other"
])

export class WaitingForCode extends Schema.TaggedClass<WaitingForCode>()("WaitingForCode", {
  codeType: CodeType,
  /** Digits in the code; 0 when TDLib does not say. */
  length: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  nextType: Schema.optionalKey(CodeType),
  /** Seconds before `ResendCode` may send the code by `nextType`; 0 when none. */
  timeoutSeconds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
}) {}

export class WaitingForPassword extends Schema.TaggedClass<WaitingForPassword>()("WaitingForPassword", {
  hint: Schema.String
}) {}

export class WaitingForEmail extends Schema.TaggedClass<WaitingForEmail>()("WaitingForEmail", {}) {}

export class WaitingForEmailCode extends Schema.TaggedClass<WaitingForEmailCode>()("WaitingForEmailCode", {
  emailPattern: Schema.String,
  length: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
}) {}

export class WaitingForRegistration extends Schema.TaggedClass<WaitingForRegistration>()("WaitingForRegistration", {}) {}

export class WaitingForOtherDeviceConfirmation extends Schema.TaggedClass<WaitingForOtherDeviceConfirmation>()(
  "WaitingForOtherDeviceConfirmation",
  { link: Schema.String }
) {}

export class Authorized extends Schema.TaggedClass<Authorized>()("Authorized", { user: TelegramUser }) {}

export class LoggedOut extends Schema.TaggedClass<LoggedOut>()("LoggedOut", {}) {}

export class WorkerStarted extends Schema.TaggedClass<WorkerStarted>()("WorkerStarted", {}) {}

/** A message of a watched chat was edited (TDLib's `updateMessageContent`): its new words, as `NewMessage` has them. */
export class MessageEdited extends Schema.TaggedClass<MessageEdited>()("MessageEdited", {
  chatId: ChatId,
  messageId: MessageId,
  senderId: Schema.Int,
  senderName: Schema.String,
  /** The new text, or the new caption of a media message. */
  text: Schema.String,
  /** When the message was first sent, Unix seconds. */
  date: Schema.Int,
  /** When it was edited, Unix seconds: an edit's identity, so one delivered twice is one edit. */
  editDate: Schema.Int
}) {}

export const Update = Schema.Union([
  NewMessage,
  ConnectionState,
  AuthorizationState,
  WaitingForCode,
  WaitingForPassword,
  WaitingForEmail,
  WaitingForEmailCode,
  WaitingForRegistration,
  WaitingForOtherDeviceConfirmation,
  Authorized,
  LoggedOut,
  WorkerStarted,
  MessageEdited
])
export type Update = typeof Update.Type
