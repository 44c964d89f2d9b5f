/**
 * The messages that cross Redis: commands (control → worker) that each name their success schema, responses,
 * updates (worker → control), their envelopes, and the helpers that build, encode and decode them.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Effect, Redacted, Schema, SchemaGetter, SchemaIssue } from "effect"
import * as Crypto from "node:crypto"
import { SecretBox } from "./SecretBox.ts"

/** Bumped when a message changes shape incompatibly; a message of another version does not decode. */
export const protocolVersion = 1
export const ProtocolVersion = Schema.Literal(protocolVersion)

/** Milliseconds since the epoch. */
export const Timestamp = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** Correlates a response with its command; safe inside a BullMQ job id (no `:`). */
export const RequestId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { expected: "a request id of 1-64 letters, digits, - or _" })),
  Schema.brand("RequestId")
)
export type RequestId = typeof RequestId.Type

export const makeRequestId: Effect.Effect<RequestId> = Effect.sync(() => Crypto.randomUUID() as RequestId)

/** TDLib's 53-bit chat, message and user identifiers. */
export const ChatId = Schema.Int
export const MessageId = Schema.Int
export const UserId = Schema.Int

/**
 * A secret (login code, 2FA password, email code): `Redacted` in memory, AES-GCM ciphertext on the wire,
 * sealed and opened with the session's `SecretBox`. Ciphertext that does not open is a decode failure.
 */
export const Secret = Schema.String.pipe(
  Schema.decodeTo(Schema.Redacted(Schema.String), {
    decode: SchemaGetter.transformEffect((sealed: string) =>
      SecretBox.use((box) => box.open(sealed)).pipe(
        Effect.mapError((error) => new SchemaIssue.InvalidValue({ message: error.message }))
      )
    ),
    encode: SchemaGetter.transformEffect((secret: Redacted.Redacted<string>) => SecretBox.use((box) => box.seal(secret)))
  })
)

// ---------------------------------------------------------------------------------------------------------------
// Values carried by successes and updates

export const ChatKind = Schema.Literals(["private", "group", "supergroup", "channel"])
export type ChatKind = typeof ChatKind.Type

export class Chat extends Schema.Class<Chat>("@vigia/protocol/Chat")({
  id: ChatId,
  title: Schema.String,
  kind: ChatKind,
  memberCount: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

export class TelegramUser extends Schema.Class<TelegramUser>("@vigia/protocol/TelegramUser")({
  userId: UserId,
  firstName: Schema.String,
  lastName: Schema.String,
  username: Schema.optionalKey(Schema.String),
  phoneNumber: PhoneNumber
}) {}

export class SentMessage extends Schema.Class<SentMessage>("@vigia/protocol/SentMessage")({
  chatId: ChatId,
  messageId: MessageId
}) {}

// ---------------------------------------------------------------------------------------------------------------
// Commands (control → worker). Each class names the schema of its success value in `success`.

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

// ---------------------------------------------------------------------------------------------------------------
// Updates (worker → control): small normalised payloads, never raw TDLib objects.

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
  WorkerStarted
])
export type Update = typeof Update.Type

// ---------------------------------------------------------------------------------------------------------------
// Envelopes

/** A command on `user-{phone}-commands`. */
export class CommandMessage extends Schema.Class<CommandMessage>("@vigia/protocol/CommandMessage")({
  version: ProtocolVersion,
  requestId: RequestId,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  command: Command
}) {}

/** TDLib's error code and text (`400 PHONE_CODE_INVALID`, `429 Too Many Requests: retry after 30`), kept as sent. */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", {
  code: Schema.Int,
  message: Schema.String,
  retryAfterSeconds: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

/** A success value, encoded with its command's `success` schema; absent for commands that succeed with void. */
export class Succeeded extends Schema.TaggedClass<Succeeded>()("Succeeded", {
  value: Schema.optionalKey(Schema.Json)
}) {}

/** The answer to one command, on `user-{phone}-responses`. */
export class Response extends Schema.Class<Response>("@vigia/protocol/Response")({
  version: ProtocolVersion,
  requestId: RequestId,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  result: Schema.Union([Succeeded, CommandError])
}) {}

/** An update on `user-{phone}-updates`. */
export class UpdateMessage extends Schema.Class<UpdateMessage>("@vigia/protocol/UpdateMessage")({
  version: ProtocolVersion,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  containerId: Schema.optionalKey(Schema.String),
  update: Update
}) {}

// ---------------------------------------------------------------------------------------------------------------
// Builders

/** A command for `phoneNumber` with a fresh request id, stamped now. */
export const commandMessage = Effect.fnUntraced(function*(phoneNumber: PhoneNumber, command: Command) {
  const requestId = yield* makeRequestId
  const timestamp = yield* Clock.currentTimeMillis
  return new CommandMessage({ version: protocolVersion, requestId, phoneNumber, timestamp, command })
})

/** An update from `phoneNumber`'s worker, stamped now. */
export const updateMessage = Effect.fnUntraced(function*(
  phoneNumber: PhoneNumber,
  update: Update,
  containerId?: string
) {
  const timestamp = yield* Clock.currentTimeMillis
  return new UpdateMessage({
    version: protocolVersion,
    phoneNumber,
    timestamp,
    update,
    ...(containerId === undefined ? {} : { containerId })
  })
})

const respond = (request: CommandMessage, result: Succeeded | CommandError) =>
  Effect.map(Clock.currentTimeMillis, (timestamp) =>
    new Response({
      version: protocolVersion,
      requestId: request.requestId,
      phoneNumber: request.phoneNumber,
      timestamp,
      result
    }))

/**
 * The worker's answer to `request` with the success value of its command, encoded by the command's own schema.
 * A value that does not fit the schema is a defect of the worker.
 */
export const succeed = <C extends Command>(
  request: CommandMessage & { readonly command: C },
  value: SuccessOf<C>
): Effect.Effect<Response> =>
  Schema.encodeUnknownEffect(successSchema(request.command))(value).pipe(
    Effect.orDie,
    Effect.flatMap((encoded) =>
      respond(request, new Succeeded(encoded === undefined ? {} : { value: encoded as Schema.Json }))
    )
  )

/** The worker's answer to `request` with an error (TDLib's code and text). */
export const fail = (request: CommandMessage, error: CommandError): Effect.Effect<Response> => respond(request, error)

/** One handler per command kind, each typed by its command's success schema; TDLib errors as `CommandError`. */
export type CommandHandlers<R> = {
  readonly [Tag in Command["_tag"]]: (
    command: Extract<Command, { readonly _tag: Tag }>
  ) => Effect.Effect<SuccessOf<Extract<Command, { readonly _tag: Tag }>>, CommandError, R>
}

/** The worker's side of the RPC: runs the handler of `request`'s command and answers with its outcome. */
export const respondWith = <R>(request: CommandMessage, handlers: CommandHandlers<R>): Effect.Effect<Response, never, R> => {
  const handle = handlers[request.command._tag] as (command: Command) => Effect.Effect<SuccessOf<Command>, CommandError, R>
  return handle(request.command).pipe(
    Effect.matchEffect({
      onSuccess: (value) => succeed(request, value),
      onFailure: (error) => fail(request, error)
    })
  )
}

/** The control plane's reading of a response to `command`: its typed success value, or its `CommandError`. */
export const resultOf = <C extends Command>(
  command: C,
  response: Response
): Effect.Effect<SuccessOf<C>, CommandError | Schema.SchemaError> => {
  const result = response.result
  if (result._tag === "CommandError") return Effect.fail(result)
  return Schema.decodeUnknownEffect(successSchema(command))(result.value) as Effect.Effect<
    SuccessOf<C>,
    Schema.SchemaError
  >
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding and encoding (the JSON-safe form stored as a job's data)

export const decodeCommandMessage = Schema.decodeUnknownEffect(CommandMessage)
export const encodeCommandMessage = Schema.encodeEffect(CommandMessage)
export const decodeResponse = Schema.decodeUnknownEffect(Response)
export const encodeResponse = Schema.encodeEffect(Response)
export const decodeUpdateMessage = Schema.decodeUnknownEffect(UpdateMessage)
export const encodeUpdateMessage = Schema.encodeEffect(UpdateMessage)
