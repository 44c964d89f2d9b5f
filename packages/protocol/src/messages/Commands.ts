/**
 * Commands (control → worker). Each class names the schema of its success value in `success`, so the RPC is
 * typed end to end.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Schema } from "effect"
import { Chat, ChatId, MessageId, Secret, SentMessage, TelegramUser } from "./Values.ts"

export class StartLogin extends Schema.TaggedClass<StartLogin>()("StartLogin", { phoneNumber: PhoneNumber }) {
  static readonly success = Schema.Void
}

export class ResendCode extends Schema.TaggedClass<ResendCode>()("ResendCode", {}) {
  static readonly success = Schema.Void
}

export class SubmitCode extends Schema.TaggedClass<SubmitCode>()("SubmitCode", { code: Secret }) {
  static readonly success = Schema.Void
}

export class SubmitPassword extends Schema.TaggedClass<SubmitPassword>()("SubmitPassword", { password: Secret }) {
  static readonly success = Schema.Void
}

export class SubmitEmailCode extends Schema.TaggedClass<SubmitEmailCode>()("SubmitEmailCode", { code: Secret }) {
  static readonly success = Schema.Void
}

export class LogOut extends Schema.TaggedClass<LogOut>()("LogOut", {}) {
  static readonly success = Schema.Void
}

export class GetChats extends Schema.TaggedClass<GetChats>()("GetChats", {
  limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 }))
}) {
  static readonly success = Schema.Array(Chat)
}

export class GetChat extends Schema.TaggedClass<GetChat>()("GetChat", { chatId: ChatId }) {
  static readonly success = Chat
}

export class SendMessage extends Schema.TaggedClass<SendMessage>()("SendMessage", {
  chatId: ChatId,
  text: Schema.NonEmptyString.check(Schema.isMaxLength(4096)),
  replyToMessageId: Schema.optionalKey(MessageId)
}) {
  static readonly success = SentMessage
}

export class GetMe extends Schema.TaggedClass<GetMe>()("GetMe", {}) {
  static readonly success = TelegramUser
}

/** The account's active groups: the worker publishes new messages from these chats only. */
export class SetWatchedChats extends Schema.TaggedClass<SetWatchedChats>()("SetWatchedChats", {
  chatIds: Schema.Array(ChatId)
}) {
  static readonly success = Schema.Void
}

export class Ping extends Schema.TaggedClass<Ping>()("Ping", {}) {
  static readonly success = Schema.Void
}

const commands = {
  StartLogin,
  ResendCode,
  SubmitCode,
  SubmitPassword,
  SubmitEmailCode,
  LogOut,
  GetChats,
  GetChat,
  SendMessage,
  GetMe,
  SetWatchedChats,
  Ping
} as const

export const Command = Schema.Union(Object.values(commands))
export type Command = typeof Command.Type

/** The schema of the value a command succeeds with. */
export type SuccessSchema<C extends Command> = (typeof commands)[C["_tag"]]["success"]
/** The value a command succeeds with: `SuccessOf<GetChats>` is `ReadonlyArray<Chat>`. */
export type SuccessOf<C extends Command> = SuccessSchema<C>["Type"]

export const successSchema = <C extends Command>(command: C): SuccessSchema<C> =>
  commands[command._tag as C["_tag"]].success
