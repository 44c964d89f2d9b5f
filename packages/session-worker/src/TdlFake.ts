/**
 * An in-memory TDLib for one scripted account: TDLib's authorization states, errors and
 * update shapes, driven by tests in-process or through a loopback HTTP side channel.
 *
 * The account (override any field with `FAKE_TDL_SCRIPT`, JSON or a path to a JSON file):
 * - phone: the worker's `PHONE_NUMBER`; any other number is `PHONE_NUMBER_INVALID`.
 * - login code `12345` (`code`); wrong codes are `PHONE_CODE_INVALID`.
 * - 2FA password: none by default; with `"password": "senha-secreta"` login waits for it
 *   (hint `passwordHint`), and wrong ones are `PASSWORD_HASH_INVALID`.
 * - `maxAttempts` (5) wrong codes or passwords in a row: `429 Too Many Requests: retry after N`
 *   for `floodWaitSeconds` (60).
 * - `me`: Ana Vendedora (@ana_vende, id 700000001); `chats`: two basic groups, a supergroup,
 *   a channel (where the account cannot write) and a private chat with a customer.
 * - With the network down (`connectionStateWaitingForNetwork`) authorization requests never
 *   answer, as with real TDLib; a second one cancels the first with
 *   `400 Another authorization query has started`; closing aborts them with `500 Request aborted`.
 * - Authorization survives a restart: it is kept in `fake-td.json` in the database directory,
 *   and removed by `logOut`.
 *
 * Side channel, `127.0.0.1:FAKE_TDL_PORT` (0 = any free port, written to
 * `${DATA_DIR}/${phone}/fake-tdl.port`):
 * - `POST /messages {chatId, text?, caption?, senderUserId?, date?}` → `{messageId}`: someone writes
 *   in a chat (text → `messageText`, caption → `messagePhoto`, neither → `messageSticker`).
 * - `POST /connection {state}` with a TDLib connection state name, e.g. `connectionStateWaitingForNetwork`.
 * - `GET /sent` → the messages the account sent; `GET /state` → authorization and connection states.
 */
import {
  Clock,
  Context,
  Deferred,
  Effect,
  FileSystem,
  Layer,
  Option,
  Ref,
  Schema,
  Semaphore
} from "effect"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Latch from "effect/Latch"
import * as Http from "node:http"
import * as Path from "node:path"
import type * as TdApi from "./TdApi.ts"
import { startFailed } from "./TdlError.ts"
import { accountDirectory, fakeTdlPortFile, WorkerConfig } from "./WorkerConfig.ts"

export const FakeChat = Schema.Struct({
  id: Schema.Int,
  kind: Schema.Literals(["private", "basicGroup", "supergroup", "channel"]),
  title: Schema.String
})
export type FakeChat = typeof FakeChat.Type

const scriptFields = {
  me: Schema.Struct({
    id: Schema.Int,
    firstName: Schema.String,
    lastName: Schema.String,
    username: Schema.String
  }),
  code: Schema.String.check(Schema.isPattern(/^[0-9]{5,6}$/)),
  password: Schema.optionalKey(Schema.String),
  passwordHint: Schema.String,
  maxAttempts: Schema.Int.check(Schema.isGreaterThan(0)),
  floodWaitSeconds: Schema.Int.check(Schema.isGreaterThan(0)),
  chats: Schema.Array(FakeChat)
}

export const FakeScript = Schema.Struct(scriptFields)
export type FakeScript = typeof FakeScript.Type

/** What `FAKE_TDL_SCRIPT` may hold: any of the script's fields, the rest from `defaultScript`. */
export const FakeScriptOverrides = FakeScript.mapFields((fields) => ({
  me: Schema.optionalKey(fields.me),
  code: Schema.optionalKey(fields.code),
  password: fields.password,
  passwordHint: Schema.optionalKey(fields.passwordHint),
  maxAttempts: Schema.optionalKey(fields.maxAttempts),
  floodWaitSeconds: Schema.optionalKey(fields.floodWaitSeconds),
  chats: Schema.optionalKey(fields.chats)
}))

export const defaultScript: FakeScript = {
  me: { id: 700000001, firstName: "Ana", lastName: "Vendedora", username: "ana_vende" },
  code: "12345",
  passwordHint: "nome do cachorro",
  maxAttempts: 5,
  floodWaitSeconds: 60,
  chats: [
    { id: 700000002, kind: "private", title: "Carlos Cliente" },
    { id: -4001001001, kind: "basicGroup", title: "Pedidos Vila Mariana" },
    { id: -1002001001001, kind: "supergroup", title: "Feira de Sábado" },
    { id: -1002001001002, kind: "channel", title: "Promoções da Semana" },
    { id: -4001001002, kind: "basicGroup", title: "Encomendas do Condomínio" }
  ]
}

export const ConnectionStateName = Schema.Literals([
  "connectionStateWaitingForNetwork",
  "connectionStateConnectingToProxy",
  "connectionStateConnecting",
  "connectionStateUpdating",
  "connectionStateReady"
])
export type ConnectionStateName = typeof ConnectionStateName.Type

export const InjectedMessage = Schema.Struct({
  chatId: Schema.Int,
  text: Schema.optionalKey(Schema.String),
  caption: Schema.optionalKey(Schema.String),
  senderUserId: Schema.optionalKey(Schema.Int),
  date: Schema.optionalKey(Schema.Int)
})
export type InjectedMessage = typeof InjectedMessage.Type

export const SentMessage = Schema.Struct({
  chatId: Schema.Number,
  messageId: Schema.Number,
  text: Schema.String,
  date: Schema.Number
})
export type SentMessage = typeof SentMessage.Type

export const FakeState = Schema.Struct({
  authorizationState: Schema.String,
  connectionState: ConnectionStateName
})

/** The fake cannot do what a test asked (no client, not logged in, unknown chat). */
export class FakeTdlRefused extends Schema.TaggedError<FakeTdlRefused>()("FakeTdlRefused", {
  message: Schema.String
}) {}

export class TdlFake extends Context.Service<TdlFake, {
  /** Someone writes in one of the account's chats; answers the message's id. */
  readonly injectMessage: (message: InjectedMessage) => Effect.Effect<number, FakeTdlRefused>
  /** The network changes; `connectionStateWaitingForNetwork` holds authorization requests. */
  readonly setConnectionState: (state: ConnectionStateName) => Effect.Effect<void>
  /** Every message the account sent, oldest first. */
  readonly sentMessages: Effect.Effect<ReadonlyArray<SentMessage>>
  readonly state: Effect.Effect<typeof FakeState.Type>
  /** The side channel's port on 127.0.0.1. */
  readonly sideChannelPort: number
  /** Opens a new TDLib client on this account, as `tdl.createBareClient` does. */
  readonly connect: TdApi.Connect<never, never>
}>()("@vigia/session-worker/TdlFake") {
  static readonly layer = Layer.effect(TdlFake, Effect.suspend(() => makeFake))
}

type RawUpdate = TdApi.RawUpdate
type Emit = (update: RawUpdate) => void
type AuthorizationState = TdApi.AuthorizationState

const tdError = (code: number, message: string): TdApi.TdError => ({ _: "error", code, message })
const unauthorized = tdError(401, "Unauthorized")
const chatNotFound = tdError(400, "Chat not found")
const unexpected = (name: string) => tdError(400, `Call to ${name} unexpected`)

const chatType = (chat: FakeChat): TdApi.ChatType => {
  switch (chat.kind) {
    case "private":
      return { _: "chatTypePrivate", user_id: chat.id }
    case "basicGroup":
      return { _: "chatTypeBasicGroup", basic_group_id: -chat.id }
    case "supergroup":
    case "channel":
      return {
        _: "chatTypeSupergroup",
        supergroup_id: Number(String(-chat.id).slice(3)),
        is_channel: chat.kind === "channel"
      }
  }
}

const chatObject = (chat: FakeChat, order: number) => ({
  _: "chat" as const,
  id: chat.id,
  type: chatType(chat),
  title: chat.title,
  positions: [{ _: "chatPosition", list: { _: "chatListMain" }, order: String(order), is_pinned: false }],
  permissions: { _: "chatPermissions", can_send_basic_messages: chat.kind !== "channel" },
  unread_count: 0
})

const userObject = (id: number, firstName: string, lastName: string, username: string, phone: string) => ({
  _: "user" as const,
  id,
  first_name: firstName,
  last_name: lastName,
  usernames: {
    _: "usernames",
    active_usernames: username === "" ? [] : [username],
    disabled_usernames: [],
    editable_username: username
  },
  phone_number: phone,
  is_contact: false,
  type: { _: "userTypeRegular" }
})

const formatted = (text: string) => ({ _: "formattedText" as const, text, entities: [] })

const contentOf = (message: InjectedMessage) =>
  message.text !== undefined
    ? { _: "messageText" as const, text: formatted(message.text) }
    : message.caption !== undefined
    ? {
      _: "messagePhoto" as const,
      caption: formatted(message.caption),
      photo: { _: "photo", has_stickers: false, sizes: [] },
      show_caption_above_media: false,
      has_spoiler: false,
      is_secret: false
    }
    : {
      _: "messageSticker" as const,
      sticker: { _: "sticker", id: "1", emoji: "👍", width: 512, height: 512 },
      is_premium: false
    }

/** The noise TDLib sends at start (about a hundred `updateOption`s and more): none of it may leave the worker. */
const startupNoise: ReadonlyArray<RawUpdate> = [
  { _: "updateOption", name: "version", value: { _: "optionValueString", value: "1.8.65" } },
  { _: "updateOption", name: "commit_hash", value: { _: "optionValueString", value: "fake" } },
  { _: "updateOption", name: "utc_time_offset", value: { _: "optionValueInteger", value: "0" } },
  { _: "updateDefaultBackground", for_dark_theme: false },
  { _: "updateFileDownloads", total_size: 0, total_count: 0, downloaded_size: 0 }
]

const readScript = Effect.fnUntraced(function*(source: Option.Option<string>) {
  if (Option.isNone(source)) return defaultScript
  const fs = yield* FileSystem.FileSystem
  const text = source.value.trim().startsWith("{")
    ? source.value
    : yield* fs.readFileString(source.value).pipe(
      Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
    )
  const overrides = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(FakeScriptOverrides))(text).pipe(
    Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
  )
  return { ...defaultScript, ...overrides }
})

const makeFake = Effect.gen(function*() {
  const config = yield* WorkerConfig
  const fs = yield* FileSystem.FileSystem
  const script = yield* readScript(config.tdl._tag === "Fake" ? config.tdl.script : Option.none())
  const phone = config.phone
  const customerId = script.chats.find((chat) => chat.kind === "private")?.id ?? 700000002
  const me = userObject(script.me.id, script.me.firstName, script.me.lastName, script.me.username, phone)

  const network = yield* Latch.make(true)
  const connection = yield* Ref.make<ConnectionStateName>("connectionStateReady")
  const sent = yield* Ref.make<ReadonlyArray<SentMessage>>([])
  const nextMessageId = yield* Ref.make(1 << 20)
  const current = yield* Ref.make(Option.none<FakeClient>())

  const now = Clock.currentTimeMillis.pipe(Effect.map((millis) => Math.floor(millis / 1000)))
  const newMessageId = Ref.getAndUpdate(nextMessageId, (id) => id + (1 << 20))
  const findChat = (id: number | undefined) => Option.fromUndefinedOr(script.chats.find((chat) => chat.id === id))

  const setConnectionState = Effect.fn("TdlFake.setConnectionState")(function*(state: ConnectionStateName) {
    yield* Ref.set(connection, state)
    if (state === "connectionStateWaitingForNetwork") yield* Latch.close(network)
    else yield* Latch.open(network)
    const active = yield* Ref.get(current)
    if (Option.isSome(active)) active.value.emit({ _: "updateConnectionState", state: { _: state } })
  })

  interface FakeClient {
    readonly emit: Emit
    readonly authorization: Ref.Ref<AuthorizationState>
  }

  const makeClient = Effect.fnUntraced(function*(emit: Emit) {
    const authorization = yield* Ref.make<AuthorizationState>({ _: "authorizationStateWaitTdlibParameters" })
    const database = yield* Ref.make(Option.none<string>())
    const knownChats = yield* Ref.make<ReadonlySet<number>>(new Set())
    const attempts = yield* Ref.make({ wrong: 0, floodUntil: 0 })
    const pending = yield* Ref.make(Option.none<Deferred.Deferred<never, TdApi.TdError>>())
    const requests = yield* Semaphore.make(1)
    const client: FakeClient = { emit, authorization }

    const setState = (state: AuthorizationState) =>
      Ref.set(authorization, state).pipe(
        Effect.andThen(Effect.sync(() => emit({ _: "updateAuthorizationState", authorization_state: state })))
      )

    const persisted = Effect.gen(function*() {
      const directory = yield* Ref.get(database)
      return Option.map(directory, (dir) => Path.join(dir, "fake-td.json"))
    })

    const remember = (authorized: boolean) =>
      Effect.gen(function*() {
        const file = yield* persisted
        if (Option.isNone(file)) return
        if (authorized) {
          yield* fs.makeDirectory(Path.dirname(file.value), { recursive: true })
          yield* fs.writeFileString(file.value, JSON.stringify({ authorized: true, userId: script.me.id }))
        } else {
          yield* fs.remove(file.value, { force: true })
        }
      }).pipe(Effect.orDie)

    const becomeReady = Effect.gen(function*() {
      emit({ _: "updateUser", user: me })
      emit({ _: "updateOption", name: "my_id", value: { _: "optionValueInteger", value: String(script.me.id) } })
      yield* remember(true)
      yield* Ref.set(attempts, { wrong: 0, floodUntil: 0 })
      yield* setState({ _: "authorizationStateReady" })
    })

    const closeWith = (states: ReadonlyArray<AuthorizationState>) =>
      Effect.gen(function*() {
        for (const state of states) yield* setState(state)
        const waiting = yield* Ref.getAndSet(pending, Option.none())
        if (Option.isSome(waiting)) yield* Deferred.fail(waiting.value, tdError(500, "Request aborted"))
        yield* Ref.update(current, (active) => Option.filter(active, (c) => c !== client))
      })

    const ready = Effect.gen(function*() {
      const state = yield* Ref.get(authorization)
      if (state._ !== "authorizationStateReady") return yield* Effect.fail(unauthorized)
    })

    /** An authorization query: held while the network is down, cancelled by the next one. */
    const authorizationQuery = <A>(body: Effect.Effect<A, TdApi.TdError>) =>
      Effect.gen(function*() {
        const cancelled = yield* Deferred.make<never, TdApi.TdError>()
        const previous = yield* Ref.getAndSet(pending, Option.some(cancelled))
        if (Option.isSome(previous)) {
          yield* Deferred.fail(previous.value, tdError(400, "Another authorization query has started"))
        }
        yield* Effect.raceFirst(Latch.await(network), Deferred.await(cancelled))
        yield* Ref.update(pending, (waiting) => Option.filter(waiting, (d) => d !== cancelled))
        return yield* requests.withPermits(1)(body)
      })

    /** Wrong codes and passwords count; too many in a row and Telegram makes the account wait. */
    const guessed = Effect.fnUntraced(function*(right: boolean, wrongError: TdApi.TdError) {
      const time = yield* now
      const counter = yield* Ref.get(attempts)
      if (counter.floodUntil > time) {
        return yield* Effect.fail(tdError(429, `Too Many Requests: retry after ${counter.floodUntil - time}`))
      }
      if (right) {
        yield* Ref.set(attempts, { wrong: 0, floodUntil: 0 })
        return
      }
      const wrong = counter.wrong + 1
      if (wrong >= script.maxAttempts) {
        yield* Ref.set(attempts, { wrong: 0, floodUntil: time + script.floodWaitSeconds })
        return yield* Effect.fail(tdError(429, `Too Many Requests: retry after ${script.floodWaitSeconds}`))
      }
      yield* Ref.set(attempts, { wrong, floodUntil: 0 })
      return yield* Effect.fail(wrongError)
    })

    const announceChats = Effect.fnUntraced(function*(chats: ReadonlyArray<FakeChat>) {
      const known = yield* Ref.get(knownChats)
      const fresh = chats.filter((chat) => !known.has(chat.id))
      for (const chat of fresh) {
        emit({ _: "updateNewChat", chat: chatObject(chat, 1000 - script.chats.indexOf(chat)) })
      }
      yield* Ref.set(knownChats, new Set([...known, ...fresh.map((chat) => chat.id)]))
      return fresh.length
    })

    const handlers: {
      readonly [K in TdApi.FunctionName]: (request: TdApi.Request<K>) => Effect.Effect<TdApi.Answer<K>, TdApi.TdError>
    } = {
      setTdlibParameters: (request) =>
        Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          if (state._ !== "authorizationStateWaitTdlibParameters") {
            return yield* Effect.fail(tdError(400, "Unexpected setTdlibParameters"))
          }
          if (!request.api_id) {
            return yield* Effect.fail(
              tdError(400, "Valid api_id must be provided. Can be obtained at https://my.telegram.org")
            )
          }
          if (!request.api_hash) {
            return yield* Effect.fail(
              tdError(400, "Valid api_hash must be provided. Can be obtained at https://my.telegram.org")
            )
          }
          yield* Ref.set(database, Option.fromUndefinedOr(request.database_directory))
          const file = yield* persisted
          const authorized = Option.isSome(file) && (yield* fs.exists(file.value).pipe(Effect.orDie))
          if (authorized) yield* becomeReady
          else yield* setState({ _: "authorizationStateWaitPhoneNumber" })
          emit({ _: "updateConnectionState", state: { _: "connectionStateConnecting" } })
          const networkState = yield* Ref.get(connection)
          if (networkState !== "connectionStateConnecting") {
            emit({ _: "updateConnectionState", state: { _: networkState } })
          }
          return { _: "ok" as const }
        }),

      getAuthorizationState: () => Ref.get(authorization),

      setNetworkType: (request) =>
        setConnectionState(
          request.type?._ === "networkTypeNone" ? "connectionStateWaitingForNetwork" : "connectionStateReady"
        ).pipe(Effect.as({ _: "ok" as const })),

      setAuthenticationPhoneNumber: (request) =>
        authorizationQuery(Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          const allowed = [
            "authorizationStateWaitPhoneNumber",
            "authorizationStateWaitCode",
            "authorizationStateWaitPassword",
            "authorizationStateWaitRegistration",
            "authorizationStateWaitEmailAddress",
            "authorizationStateWaitEmailCode"
          ]
          if (!allowed.includes(state._)) return yield* Effect.fail(unexpected("setAuthenticationPhoneNumber"))
          const typed = request.phone_number ?? ""
          if (!/^\+?[0-9 ()-]+$/.test(typed) || typed.replace(/[^0-9]/g, "") !== phone) {
            return yield* Effect.fail(tdError(400, "PHONE_NUMBER_INVALID"))
          }
          yield* Ref.set(attempts, { wrong: 0, floodUntil: 0 })
          yield* setState({
            _: "authorizationStateWaitCode",
            code_info: {
              _: "authenticationCodeInfo",
              phone_number: `+${phone}`,
              type: { _: "authenticationCodeTypeTelegramMessage", length: script.code.length },
              next_type: { _: "authenticationCodeTypeSms", length: script.code.length },
              timeout: 60
            }
          })
          return { _: "ok" as const }
        })),

      checkAuthenticationCode: (request) =>
        authorizationQuery(Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          if (state._ !== "authorizationStateWaitCode") return yield* Effect.fail(unexpected("checkAuthenticationCode"))
          const code = request.code ?? ""
          if (code === "") return yield* Effect.fail(tdError(400, "PHONE_CODE_EMPTY"))
          yield* guessed(code === script.code, tdError(400, "PHONE_CODE_INVALID"))
          if (script.password === undefined) {
            yield* becomeReady
          } else {
            yield* setState({
              _: "authorizationStateWaitPassword",
              password_hint: script.passwordHint,
              has_recovery_email_address: false,
              has_passport_data: false,
              recovery_email_address_pattern: ""
            })
          }
          return { _: "ok" as const }
        })),

      resendAuthenticationCode: () =>
        authorizationQuery(Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          if (state._ !== "authorizationStateWaitCode" || state.code_info.next_type === undefined) {
            return yield* Effect.fail(unexpected("resendAuthenticationCode"))
          }
          yield* setState({
            _: "authorizationStateWaitCode",
            code_info: {
              _: "authenticationCodeInfo",
              phone_number: state.code_info.phone_number,
              type: state.code_info.next_type,
              timeout: 0
            }
          })
          return { _: "ok" as const }
        })),

      // The scripted account never asks for an email, as most accounts: TDLib refuses the call.
      checkAuthenticationEmailCode: () => Effect.fail(unexpected("checkAuthenticationEmailCode")),

      checkAuthenticationPassword: (request) =>
        authorizationQuery(Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          if (state._ !== "authorizationStateWaitPassword") {
            return yield* Effect.fail(unexpected("checkAuthenticationPassword"))
          }
          yield* guessed(request.password === script.password, tdError(400, "PASSWORD_HASH_INVALID"))
          yield* becomeReady
          return { _: "ok" as const }
        })),

      getMe: () => ready.pipe(Effect.as(me)),

      getUser: (request) =>
        ready.pipe(
          Effect.andThen(() => {
            if (request.user_id === script.me.id) return Effect.succeed(me)
            const chat = script.chats.find((c) => c.kind === "private" && c.id === request.user_id)
            if (chat === undefined) return Effect.fail(tdError(400, "User not found"))
            const [firstName = "", ...rest] = chat.title.split(" ")
            return Effect.succeed(userObject(chat.id, firstName, rest.join(" "), "", ""))
          })
        ),

      loadChats: () =>
        ready.pipe(
          Effect.andThen(announceChats(script.chats)),
          Effect.flatMap((fresh) => fresh === 0 ? Effect.fail(tdError(404, "Not Found")) : Effect.succeed({ _: "ok" as const }))
        ),

      getChats: (request) =>
        Effect.gen(function*() {
          yield* ready
          const chats = script.chats.slice(0, request.limit ?? 100)
          yield* announceChats(chats)
          return { _: "chats" as const, total_count: script.chats.length, chat_ids: chats.map((chat) => chat.id) }
        }),

      getChat: (request) =>
        Effect.gen(function*() {
          yield* ready
          const chat = findChat(request.chat_id)
          if (Option.isNone(chat)) return yield* Effect.fail(chatNotFound)
          return chatObject(chat.value, 1000 - script.chats.indexOf(chat.value))
        }),

      openChat: (request) =>
        ready.pipe(
          Effect.andThen(Option.isSome(findChat(request.chat_id)) ? Effect.succeed({ _: "ok" as const }) : Effect.fail(chatNotFound))
        ),

      closeChat: (request) =>
        ready.pipe(
          Effect.andThen(Option.isSome(findChat(request.chat_id)) ? Effect.succeed({ _: "ok" as const }) : Effect.fail(chatNotFound))
        ),

      sendMessage: (request) =>
        Effect.gen(function*() {
          yield* ready
          const chat = findChat(request.chat_id)
          if (Option.isNone(chat)) return yield* Effect.fail(chatNotFound)
          if (chat.value.kind === "channel") return yield* Effect.fail(tdError(400, "Have no rights to send a message"))
          const content = request.input_message_content
          const text = content?._ === "inputMessageText" ? content.text?.text ?? "" : ""
          if (text.trim() === "") return yield* Effect.fail(tdError(400, "Message must be non-empty"))
          const date = yield* now
          const temporaryId = yield* newMessageId
          const messageId = yield* newMessageId
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
          yield* Ref.update(sent, (all) => [...all, { chatId: chat.value.id, messageId, text, date }])
          emit({ _: "updateNewMessage", message })
          emit({ _: "updateChatLastMessage", chat_id: chat.value.id, last_message: message, positions: [] })
          emit({ _: "updateMessageSendSucceeded", old_message_id: temporaryId, message: { ...message, id: messageId } })
          return message
        }),

      logOut: () =>
        Effect.gen(function*() {
          const state = yield* Ref.get(authorization)
          if (["authorizationStateLoggingOut", "authorizationStateClosing", "authorizationStateClosed"].includes(state._)) {
            return yield* Effect.fail(unexpected("logOut"))
          }
          yield* remember(false)
          yield* closeWith([
            { _: "authorizationStateLoggingOut" },
            { _: "authorizationStateClosing" },
            { _: "authorizationStateClosed" }
          ])
          return { _: "ok" as const }
        }),

      close: () =>
        closeWith([{ _: "authorizationStateClosing" }, { _: "authorizationStateClosed" }]).pipe(
          Effect.as({ _: "ok" as const })
        )
    }

    const handle = <K extends TdApi.FunctionName>(request: TdApi.Request<K>): Effect.Effect<unknown, TdApi.TdError> => {
      const handler: (request: TdApi.Request<K>) => Effect.Effect<unknown, TdApi.TdError> = handlers[request._]
      return handler(request)
    }

    const send = (request: TdApi.AnyRequest): Effect.Effect<unknown, TdApi.TdError> =>
      Effect.gen(function*() {
        const state = yield* Ref.get(authorization)
        if (state._ === "authorizationStateClosed") return yield* Effect.fail(tdError(500, "Request aborted"))
        return yield* handle(request)
      })

    return { client, send }
  })

  const connect: TdApi.Connect<never, never> = (onUpdate) =>
    Effect.gen(function*() {
      const { client, send } = yield* makeClient(onUpdate)
      yield* Ref.set(current, Option.some(client))
      yield* Effect.addFinalizer(() => Ref.update(current, (active) => Option.filter(active, (c) => c !== client)))
      for (const update of startupNoise) onUpdate(update)
      onUpdate({ _: "updateAuthorizationState", authorization_state: { _: "authorizationStateWaitTdlibParameters" } })
      return { send }
    })

  const refused = (message: string) => new FakeTdlRefused({ message })

  const injectMessage = Effect.fn("TdlFake.injectMessage")(function*(input: InjectedMessage) {
    const active = yield* Ref.get(current)
    if (Option.isNone(active)) return yield* refused("no TDLib client is open")
    const state = yield* Ref.get(active.value.authorization)
    if (state._ !== "authorizationStateReady") return yield* refused("the account is not logged in")
    const chat = findChat(input.chatId)
    if (Option.isNone(chat)) return yield* refused(`the account has no chat ${input.chatId}`)
    const id = yield* newMessageId
    const date = input.date ?? (yield* now)
    const sender = chat.value.kind === "channel"
      ? { _: "messageSenderChat" as const, chat_id: chat.value.id }
      : { _: "messageSenderUser" as const, user_id: input.senderUserId ?? customerId }
    const message = {
      _: "message" as const,
      id,
      chat_id: chat.value.id,
      sender_id: sender,
      is_outgoing: false,
      date,
      content: contentOf(input)
    }
    active.value.emit({ _: "updateNewMessage", message })
    active.value.emit({ _: "updateChatLastMessage", chat_id: chat.value.id, last_message: message, positions: [] })
    active.value.emit({ _: "updateChatReadInbox", chat_id: chat.value.id, last_read_inbox_message_id: 0, unread_count: 1 })
    return id
  })

  const state = Effect.gen(function*() {
    const active = yield* Ref.get(current)
    const authorizationState = Option.isSome(active)
      ? (yield* Ref.get(active.value.authorization))._
      : "authorizationStateClosed"
    return { authorizationState, connectionState: yield* Ref.get(connection) }
  })

  const sideChannelPort = yield* serveSideChannel(
    config.tdl._tag === "Fake" ? config.tdl.sideChannelPort : 0,
    { injectMessage, setConnectionState, sentMessages: Ref.get(sent), state }
  ).pipe(Effect.mapError((error) => startFailed(`fake TDLib side channel: ${error.message}`)))
  yield* fs.makeDirectory(accountDirectory(config), { recursive: true }).pipe(
    Effect.andThen(fs.writeFileString(fakeTdlPortFile(config), `${sideChannelPort}\n`)),
    Effect.mapError((error) => startFailed(`fake TDLib port file: ${error.message}`))
  )
  yield* Effect.logInfo("fake TDLib side channel listening", `127.0.0.1:${sideChannelPort}`)

  return TdlFake.of({
    injectMessage,
    setConnectionState,
    sentMessages: Ref.get(sent),
    state,
    sideChannelPort,
    connect
  })
})

const SetConnection = Schema.Struct({ state: ConnectionStateName })

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

/** The loopback HTTP side channel: lets a test drive a worker running in another process. */
const serveSideChannel = Effect.fnUntraced(function*(
  port: number,
  fake: Pick<TdlFake["Service"], "injectMessage" | "setConnectionState" | "sentMessages" | "state">
) {
  const server = yield* NodeHttpServer.make(() => Http.createServer(), { port, host: "127.0.0.1" })
  const badRequest = (error: { readonly message: string }) => Effect.succeed(json({ error: error.message }, 400))
  const handler = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const route = `${request.method} ${request.url.split("?")[0]}`
    switch (route) {
      case "POST /messages":
        return yield* HttpServerRequest.schemaBodyJson(InjectedMessage).pipe(
          Effect.flatMap((message) =>
            fake.injectMessage(message).pipe(
              Effect.map((messageId) => json({ messageId })),
              Effect.catchTag("FakeTdlRefused", (error) => Effect.succeed(json({ error: error.message }, 409)))
            )
          ),
          Effect.catch(badRequest)
        )
      case "POST /connection":
        return yield* HttpServerRequest.schemaBodyJson(SetConnection).pipe(
          Effect.flatMap(({ state }) => fake.setConnectionState(state)),
          Effect.as(json({})),
          Effect.catch(badRequest)
        )
      case "GET /sent":
        return json(yield* fake.sentMessages)
      case "GET /state":
        return json(yield* fake.state)
      default:
        return json({ error: `no route ${route}` }, 404)
    }
  })
  yield* server.serve(handler)
  return "port" in server.address ? server.address.port : port
})
