/**
 * The fake Bot API's state (updates, messages, files, calls, opt-in modes) and the core operations on it: queueing
 * an update, a user's message, and recording what the bot sent, with the reactions waiting for it.
 */
import { Effect } from "effect"

export interface FakeUser {
  readonly id: number
  readonly first_name: string
  readonly username?: string
}

/** A message the bot sent (or edited), as the fake recorded it. */
export interface BotMessage {
  readonly message_id: number
  readonly chat_id: number
  readonly text: string
  readonly reply_markup?: unknown
  readonly edited: boolean
  readonly deleted: boolean
  readonly document?: { readonly file_name: string; readonly content: string }
  /** An invoice the bot sent (`sendInvoice`), with the payload it carries. */
  readonly invoice?: FakeInvoice
}

export interface FakeInvoice {
  readonly title: string
  readonly description: string
  readonly currency: string
  readonly total_amount: number
  readonly payload: string
  readonly prices: ReadonlyArray<{ readonly label: string; readonly amount: number }>
}

/** A Stars charge as the fake keeps it, for refunds. */
export interface Charge {
  readonly userId: number
  readonly currency: string
  readonly amount: number
  readonly payload: string
  refunded: boolean
}

/** A Bot API call the bot made, with its decoded parameters and when it arrived (`Date.now()`). */
export interface ApiCall {
  readonly method: string
  readonly params: Record<string, unknown>
  readonly at: number
}

export interface State {
  nextUpdateId: number
  nextMessageId: number
  nextFileId: number
  updates: Array<{ readonly update_id: number } & Record<string, unknown>>
  messages: Map<number, BotMessage>
  files: Map<string, { readonly path: string; readonly content: Buffer }>
  calls: Array<ApiCall>
  commands: unknown
  failures: Map<string, Array<{ readonly error_code: number; readonly description: string; readonly retry_after?: number }>>
  pollers: Array<() => void>
  /** Opt-in modes: answers in another shape than Telegram's, failures for a while, polling without waiting. */
  rawAnswers: Map<string, RawAnswer & { remaining: number }>
  failingUntil: Map<string, { readonly until: number; readonly failure: Failure }>
  pollTimeoutIgnored: boolean
  reactions: Array<Reaction>
  /** The update types `getUpdates` delivers (the last `allowed_updates` given; Telegram's default before any). */
  allowedUpdates: ReadonlyArray<string>
  /** Every update pushed, by id, so a test can have Telegram deliver one again. */
  history: Map<number, Record<string, unknown>>
  preCheckouts: Map<string, (answer: { readonly ok: boolean; readonly errorMessage: string }) => void>
  charges: Map<string, Charge>
  nextChargeId: number
}

/** An error answer in Telegram's shape. */
export interface Failure {
  readonly error_code: number
  readonly description: string
  readonly retry_after?: number
}

/** An answer in any shape at all (an emulator's `{ "message": … }`), `times` times (every time when omitted). */
export interface RawAnswer {
  readonly status: number
  readonly body: unknown
  readonly times?: number
}

/** A user who answers a bot message the moment it shows (see `FakeBotApi.answerAtOnce`). */
interface Reaction {
  readonly chatId: number
  readonly predicate: (message: BotMessage) => boolean
  readonly react: (message: BotMessage) => Effect.Effect<unknown>
  readonly latencyMillis: number
}

/** What Telegram delivers when a bot never named `allowed_updates`: everything but these. */
const notByDefault = new Set(["chat_member", "message_reaction", "message_reaction_count"])
const everyUpdateType = [
  "message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "inline_query", "chosen_inline_result",
  "shipping_query", "pre_checkout_query", "poll", "poll_answer", "my_chat_member", "chat_member", "chat_join_request",
  "message_reaction", "message_reaction_count"
]
export const defaultUpdates = everyUpdateType.filter((type) => !notByDefault.has(type))
const typeOf = (update: Record<string, unknown>) => Object.keys(update).find((key) => key !== "update_id") ?? ""

export const botUser = { id: 7_000_000_001, is_bot: true, first_name: "Vigia", username: "vigia_test_bot", can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false }

export const nowSeconds = () => Math.floor(Date.now() / 1000)

export const privateChat = (user: FakeUser) => ({ id: user.id, type: "private", first_name: user.first_name, ...(user.username ? { username: user.username } : {}) })

export const asUser = (user: FakeUser) => ({ is_bot: false, ...user })

/** A fresh state and its core operations, shared by the Bot API's methods, payments, the HTTP side and the tests' API. */
export const makeStore = () => {
  const state: State = {
    nextUpdateId: 1,
    nextMessageId: 1,
    nextFileId: 1,
    updates: [],
    messages: new Map(),
    files: new Map(),
    calls: [],
    commands: [],
    failures: new Map(),
    pollers: [],
    rawAnswers: new Map(),
    failingUntil: new Map(),
    pollTimeoutIgnored: false,
    reactions: [],
    allowedUpdates: defaultUpdates,
    history: new Map(),
    preCheckouts: new Map(),
    charges: new Map(),
    nextChargeId: 1
  }
  const userMessages = new Map<string, { deleted: boolean }>()

  const pushUpdate = (update: Record<string, unknown>) => {
    const update_id = state.nextUpdateId++
    state.history.set(update_id, update)
    // Telegram keeps only the updates of the types the bot asked for.
    if (!state.allowedUpdates.includes(typeOf(update))) return update_id
    state.updates.push({ update_id, ...update })
    const waiting = state.pollers.splice(0)
    for (const wake of waiting) wake()
    return update_id
  }

  const userMessage = (user: FakeUser, fields: Record<string, unknown>) => {
    const message_id = state.nextMessageId++
    userMessages.set(`${user.id}:${message_id}`, { deleted: false })
    pushUpdate({ message: { message_id, date: nowSeconds(), chat: privateChat(user), from: asUser(user), ...fields } })
    return message_id
  }

  /** When the bot sent each message: a button's press carries its message's date, as Telegram's do. */
  const sentAt = new Map<number, number>()

  const record = (message: BotMessage) => {
    state.messages.set(message.message_id, message)
    sentAt.set(message.message_id, nowSeconds())
    const result = { message_id: message.message_id, date: sentAt.get(message.message_id), chat: { id: message.chat_id, type: "private" }, from: botUser, text: message.text, ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}) }
    return reactTo(message, result)
  }

  /** A reaction waiting for `message` runs now, once, and the bot gets its answer only after the reaction's latency. */
  const reactTo = <A>(message: BotMessage, result: A): A | Promise<A> => {
    const index = state.reactions.findIndex((reaction) => reaction.chatId === message.chat_id && reaction.predicate(message))
    if (index < 0) return result
    const [reaction] = state.reactions.splice(index, 1)
    Effect.runSync(reaction!.react(message))
    return new Promise((resolve) => setTimeout(() => resolve(result), reaction!.latencyMillis))
  }

  return { state, userMessages, sentAt, pushUpdate, userMessage, record }
}

/** One fake server's state and core operations. */
export type Store = ReturnType<typeof makeStore>
