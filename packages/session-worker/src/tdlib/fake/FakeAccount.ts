/**
 * The fake account's state, shared by the TDLib clients opened on it (the network, the messages it sent, its
 * message ids, the client open now), and what a test does to it: someone writes, the network changes.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Effect, type FileSystem, Option, Ref, Schema, Semaphore } from "effect"
import * as Latch from "effect/Latch"
import * as Path from "node:path"
import type * as TdApi from "../TdApi.ts"
import { contentOf, userObject } from "./FakeObjects.ts"
import type { FakeChat, FakeScript } from "./FakeScript.ts"

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

/** A client as the account sees it: where its updates go, and its authorization state. */
export interface OpenClient {
  readonly emit: (update: TdApi.RawUpdate) => void
  readonly authorization: Ref.Ref<TdApi.AuthorizationState>
}

/** What a test does to the account, in-process or through the side channel. */
export interface FakeControls {
  /** Someone writes in one of the account's chats; answers the message's id. */
  readonly injectMessage: (message: InjectedMessage) => Effect.Effect<number, FakeTdlRefused>
  /** The network changes; `connectionStateWaitingForNetwork` holds authorization requests. */
  readonly setConnectionState: (state: ConnectionStateName) => Effect.Effect<void>
  /** Every message the account sent, oldest first. */
  readonly sentMessages: Effect.Effect<ReadonlyArray<SentMessage>>
  readonly state: Effect.Effect<typeof FakeState.Type>
  /** The open client closes by itself, as TDLib does when it fails or Telegram ends the session. */
  readonly closeClient: Effect.Effect<void, FakeTdlRefused>
}

export interface FakeAccount extends FakeControls {
  readonly phone: PhoneNumber
  readonly script: FakeScript
  /** The account's own user, as TDLib describes it. */
  readonly me: ReturnType<typeof userObject>
  /** Where clients keep their database (the fake's `fake-td.json`). */
  readonly fs: FileSystem.FileSystem
  /** Closed while the network is down: authorization requests wait for it. */
  readonly network: Latch.Latch
  readonly connection: Ref.Ref<ConnectionStateName>
  /** The client open now, if any. */
  readonly current: Ref.Ref<Option.Option<OpenClient>>
  /** Unix time now, in seconds. */
  readonly now: Effect.Effect<number>
  /**
   * A new server message id, as Telegram gives them: TDLib's id is the server's shifted left by 20 bits, and the
   * server's count on across restarts (kept in the account's folder, as Telegram keeps it), so ids never repeat.
   */
  readonly newMessageId: Effect.Effect<number>
  readonly findChat: (id: number | undefined) => Option.Option<FakeChat>
  readonly recordSent: (message: SentMessage) => Effect.Effect<void>
}

/** What Telegram's servers remember of the account between the fake's runs: the last server message id given. */
const ServerState = Schema.fromJsonString(Schema.Struct({ lastServerMessageId: Schema.Int }))

/** TDLib's message id of a message on Telegram's servers is the server's id shifted left by 20 bits. */
const serverIdFactor = 2 ** 20

/** The message ids' counter, kept in `{folder}/fake-telegram.json`: one writer at a time, each id written before it is used. */
const messageIds = Effect.fnUntraced(function*(fs: FileSystem.FileSystem, folder: string) {
  const file = Path.join(folder, "fake-telegram.json")
  const stored = yield* fs.readFileString(file).pipe(
    Effect.flatMap(Schema.decodeUnknownEffect(ServerState)),
    Effect.map((state) => state.lastServerMessageId),
    Effect.orElseSucceed(() => 0)
  )
  const last = yield* Ref.make(stored)
  const lock = yield* Semaphore.make(1)
  return Semaphore.withPermit(
    lock,
    Effect.gen(function*() {
      const next = (yield* Ref.get(last)) + 1
      yield* fs.makeDirectory(folder, { recursive: true })
      yield* fs.writeFileString(file, yield* Schema.encodeEffect(ServerState)({ lastServerMessageId: next }))
      yield* Ref.set(last, next)
      return next * serverIdFactor
    }).pipe(Effect.orDie)
  )
})

export const make = Effect.fnUntraced(function*(
  phone: PhoneNumber,
  script: FakeScript,
  fs: FileSystem.FileSystem,
  folder: string
) {
  const customerId = script.chats.find((chat) => chat.kind === "private")?.id ?? 700000002
  const network = yield* Latch.make(true)
  const connection = yield* Ref.make<ConnectionStateName>("connectionStateReady")
  const sent = yield* Ref.make<ReadonlyArray<SentMessage>>([])
  const current = yield* Ref.make(Option.none<OpenClient>())

  const now = Clock.currentTimeMillis.pipe(Effect.map((millis) => Math.floor(millis / 1000)))
  const newMessageId = yield* messageIds(fs, folder)
  const findChat = (id: number | undefined) => Option.fromUndefinedOr(script.chats.find((chat) => chat.id === id))

  const setConnectionState = Effect.fn("TdlFake.setConnectionState")(function*(state: ConnectionStateName) {
    yield* Ref.set(connection, state)
    if (state === "connectionStateWaitingForNetwork") yield* Latch.close(network)
    else yield* Latch.open(network)
    const active = yield* Ref.get(current)
    if (Option.isSome(active)) active.value.emit({ _: "updateConnectionState", state: { _: state } })
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

  const closeClient = Effect.gen(function*() {
    const active = yield* Ref.getAndSet(current, Option.none())
    if (Option.isNone(active)) return yield* refused("no TDLib client is open")
    for (const state of [{ _: "authorizationStateClosing" }, { _: "authorizationStateClosed" }] as const) {
      yield* Ref.set(active.value.authorization, state)
      active.value.emit({ _: "updateAuthorizationState", authorization_state: state })
    }
  })

  return {
    phone,
    script,
    me: userObject(script.me.id, script.me.firstName, script.me.lastName, script.me.username, phone),
    fs,
    network,
    connection,
    current,
    now,
    newMessageId,
    findChat,
    recordSent: (message: SentMessage) => Ref.update(sent, (all) => [...all, message]),
    setConnectionState,
    injectMessage,
    sentMessages: Ref.get(sent),
    state,
    closeClient
  } satisfies FakeAccount
})
