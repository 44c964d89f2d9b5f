/**
 * A fake Telegram Bot API server on loopback that grammY reaches through its
 * `apiRoot`; tests act as Telegram users and read what the bot sent them.
 */
import { Context, Deferred, Duration, Effect, Layer, Option, Ref, Schema } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

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

/** How paying an invoice went: paid (the charge id), refused at pre-checkout (the bot's message), or not answered in 10 s. */
export type PaymentOutcome =
  | { readonly _tag: "Paid"; readonly chargeId: string; readonly updateId: number }
  | { readonly _tag: "Refused"; readonly errorMessage: string }
  | { readonly _tag: "Unanswered" }

/** A Stars charge as the fake keeps it, for refunds. */
interface Charge {
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

interface State {
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
const defaultUpdates = everyUpdateType.filter((type) => !notByDefault.has(type))
const typeOf = (update: Record<string, unknown>) => Object.keys(update).find((key) => key !== "update_id") ?? ""

const botUser = { id: 7_000_000_001, is_bot: true, first_name: "Vigia", username: "vigia_test_bot", can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false }

const nowSeconds = () => Math.floor(Date.now() / 1000)

const privateChat = (user: FakeUser) => ({ id: user.id, type: "private", first_name: user.first_name, ...(user.username ? { username: user.username } : {}) })

const asUser = (user: FakeUser) => ({ is_bot: false, ...user })

const readBody = (request: Http.IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

/** Decodes a Bot API request's parameters: query string, JSON or multipart, as grammY sends them. */
const decodeParams = async (request: Http.IncomingMessage, url: URL): Promise<Record<string, unknown>> => {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams)
  const body = await readBody(request)
  const type = request.headers["content-type"] ?? ""
  if (body.length === 0) return params
  if (type.startsWith("application/json")) return { ...params, ...(JSON.parse(body.toString("utf8")) as Record<string, unknown>) }
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": type } }).formData()
    for (const [key, value] of form.entries()) {
      params[key] = typeof value === "string" ? parseField(value) : { file_name: value.name, content: Buffer.from(await value.arrayBuffer()).toString("utf8") }
    }
    return params
  }
  return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) }
}

// grammY sends structured fields of multipart payloads as JSON strings.
const parseField = (value: string): unknown => /^[[{]/.test(value) ? JSON.parse(value) as unknown : value

export class FakeBotApi extends Context.Service<FakeBotApi, {
  /** The `apiRoot` to give grammY. */
  readonly apiRoot: string
  readonly token: string
  readonly bot: typeof botUser
  /** The user types a text message (commands included) in their private chat with the bot. */
  readonly sendText: (user: FakeUser, text: string) => Effect.Effect<number>
  /** The user shares their phone with Telegram's contact button. */
  readonly shareContact: (user: FakeUser, phoneNumber: string) => Effect.Effect<number>
  /** The user sends a file (e.g. a CSV price table). */
  readonly sendDocument: (user: FakeUser, fileName: string, content: string) => Effect.Effect<number>
  /** The user presses an inline button under one of the bot's messages. */
  readonly pressButton: (user: FakeUser, messageId: number, data: string) => Effect.Effect<string>
  /** Everything the bot has shown in a chat, oldest first (edits replace the text, deletions flagged). */
  readonly messagesIn: (chatId: number) => Effect.Effect<ReadonlyArray<BotMessage>>
  /** Waits until a message in the chat satisfies the predicate (new or edited), or fails after the timeout. */
  readonly awaitMessage: (
    chatId: number,
    predicate: (message: BotMessage) => boolean,
    timeout?: Duration.Input
  ) => Effect.Effect<BotMessage, FakeBotApiTimeout>
  readonly calls: Effect.Effect<ReadonlyArray<ApiCall>>
  /** Makes the next calls of a method fail as Telegram would (e.g. 429 with retry_after). */
  readonly failNext: (method: string, failure: { readonly error_code: number; readonly description: string; readonly retry_after?: number }) => Effect.Effect<void>
  /** Whether a user message was deleted by the bot. */
  readonly wasDeleted: (chatId: number, messageId: number) => Effect.Effect<boolean>
  /** Opt-in: `method` answers `answer.status` with `answer.body` as given, not in Telegram's shape. */
  readonly answerRaw: (method: string, answer: RawAnswer) => Effect.Effect<void>
  /** Opt-in: every call of `method` within `duration` from now fails as Telegram would, with `failure`. */
  readonly failFor: (method: string, duration: Duration.Input, failure: Failure) => Effect.Effect<void>
  /** Opt-in: `getUpdates` answers at once, ignoring its `timeout` (a server that does not long-poll). */
  readonly ignorePollTimeout: Effect.Effect<void>
  /**
   * The next bot message in the chat that satisfies the predicate is answered the moment it shows: `react` (the
   * user's updates) runs before the Bot API answers the bot's call, which then waits `latency` (default 300 ms), as a
   * phone shows a message before the bot's HTTP call returns.
   */
  readonly answerAtOnce: (
    chatId: number,
    predicate: (message: BotMessage) => boolean,
    react: (message: BotMessage) => Effect.Effect<unknown>,
    latency?: Duration.Input
  ) => Effect.Effect<void>
  /**
   * The user pays an invoice the bot sent them, as Telegram runs it: a `pre_checkout_query` the bot must answer within
   * 10 seconds, then, if it said ok, a message with `successful_payment`. `tamper` changes what the query announces
   * (a stale amount, another payload), as a client holding an old invoice would.
   */
  readonly pay: (
    user: FakeUser,
    invoiceMessageId: number,
    tamper?: { readonly totalAmount?: number; readonly payload?: string }
  ) => Effect.Effect<PaymentOutcome>
  /** Telegram delivers a successful payment the bot approved earlier (a charge it does not know of, say). */
  readonly deliverPayment: (
    user: FakeUser,
    payment: { readonly payload: string; readonly totalAmount: number; readonly chargeId?: string }
  ) => Effect.Effect<{ readonly chargeId: string; readonly updateId: number }>
  /** Telegram delivers an update again (a webhook retried, a restart before the offset was confirmed), under a new id. */
  readonly redeliver: (updateId: number) => Effect.Effect<number>
  /** Whether Telegram gave the charge back (`refundStarPayment`). */
  readonly isRefunded: (chargeId: string) => Effect.Effect<boolean>
  /** Calls of `method` from now on arrive and are never answered, nor carried out (a hung server); `false` ends it. */
  readonly hang: (method: string, hanging?: boolean) => Effect.Effect<void>
  /** Calls received and left hanging so far. */
  readonly hungCalls: Effect.Effect<number>
  /** The user blocked the bot (`false`: unblocked it): every message to their chat is refused with 403, as Telegram does. */
  readonly block: (chatId: number, blocked?: boolean) => Effect.Effect<void>
  /** 429 answers given because a call went past Telegram's limits (`layerWithLimits` only). */
  readonly tooManyRequests: Effect.Effect<number>
}>()("@vigia/control/test/support/FakeBotApi") {
  static readonly layer = Layer.effect(FakeBotApi, Effect.suspend(() => make(undefined)))

  /** The fake enforcing Telegram's flood limits with token buckets, answering 429 with `retry_after` past them. */
  static readonly layerWithLimits = (limits: TelegramLimits = telegramLimits) =>
    Layer.effect(FakeBotApi, Effect.suspend(() => make(limits)))
}

const make = (limits: TelegramLimits | undefined) => Effect.gen(function*() {
    const token = "7000000001:FAKE-test-token"
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
    const gates = makeGates(limits)
    const changed = yield* Ref.make(0)
    const bump = () => Effect.runSync(Ref.update(changed, (n) => n + 1))

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
      bump()
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

    const methods: Record<string, (params: Record<string, unknown>) => Promise<unknown> | unknown> = {
      getMe: () => botUser,
      deleteWebhook: () => true,
      setWebhook: () => true,
      setMyCommands: (params) => ((state.commands = params.commands), true),
      getMyCommands: () => state.commands,
      getUpdates: (params) => {
        if (Array.isArray(params.allowed_updates)) {
          state.allowedUpdates = params.allowed_updates.length === 0 ? defaultUpdates : params.allowed_updates.map(String)
        }
        const offset = Number(params.offset ?? 0)
        state.updates = state.updates.filter((update) => update.update_id >= offset)
        const limit = Number(params.limit ?? 100)
        if (state.updates.length > 0 || state.pollTimeoutIgnored) return state.updates.slice(0, limit)
        const timeout = Math.min(Number(params.timeout ?? 0), 2)
        return new Promise((resolve) => {
          const wake = () => (clearTimeout(timer), resolve(state.updates.slice(0, limit)))
          const timer = setTimeout(() => {
            state.pollers = state.pollers.filter((poller) => poller !== wake)
            resolve([])
          }, timeout * 1000)
          state.pollers.push(wake)
        })
      },
      sendMessage: (params) =>
        record({
          message_id: state.nextMessageId++,
          chat_id: Number(params.chat_id),
          text: String(params.text),
          ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
          edited: false,
          deleted: false
        }),
      sendDocument: (params) => {
        // grammY sends a file as its own multipart field, named by `attach://{field}` in the parameter.
        const attached = typeof params.document === "string" ? /^attach:\/\/(.+)$/.exec(params.document)?.[1] : undefined
        const document = (attached === undefined ? params.document : params[attached]) as { file_name: string; content: string }
        return record({
          message_id: state.nextMessageId++,
          chat_id: Number(params.chat_id),
          text: String(params.caption ?? ""),
          document,
          edited: false,
          deleted: false
        })
      },
      editMessageText: (params) => {
        const id = Number(params.message_id)
        const existing = state.messages.get(id)
        if (!existing) throw new BotApiError(400, "Bad Request: message to edit not found")
        if (existing.text === String(params.text) && JSON.stringify(existing.reply_markup) === JSON.stringify(params.reply_markup)) {
          throw new BotApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        }
        const { reply_markup: _previous, ...rest } = existing
        return record({ ...rest, text: String(params.text), ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}), edited: true })
      },
      editMessageReplyMarkup: (params) => {
        const id = Number(params.message_id)
        const existing = state.messages.get(id)
        if (!existing) throw new BotApiError(400, "Bad Request: message to edit not found")
        const { reply_markup: _previous, ...rest } = existing
        return record({ ...rest, ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}), edited: true })
      },
      deleteMessage: (params) => {
        const chat = Number(params.chat_id)
        const id = Number(params.message_id)
        const own = state.messages.get(id)
        if (own && own.chat_id === chat) return (record({ ...own, deleted: true }), true)
        const users = userMessages.get(`${chat}:${id}`)
        if (!users) throw new BotApiError(400, "Bad Request: message to delete not found")
        users.deleted = true
        bump()
        return true
      },
      answerCallbackQuery: () => true,
      sendInvoice: (params) => sendInvoice(params),
      answerPreCheckoutQuery: (params) => {
        const answer = state.preCheckouts.get(String(params.pre_checkout_query_id))
        if (!answer) throw new BotApiError(400, "Bad Request: QUERY_ID_INVALID")
        const ok = params.ok === true || params.ok === "true"
        if (!ok && (typeof params.error_message !== "string" || params.error_message === "")) {
          throw new BotApiError(400, "Bad Request: ERROR_MESSAGE_EMPTY")
        }
        state.preCheckouts.delete(String(params.pre_checkout_query_id))
        answer({ ok, errorMessage: ok ? "" : String(params.error_message) })
        return true
      },
      refundStarPayment: (params) => {
        const chargeId = String(params.telegram_payment_charge_id)
        const charge = state.charges.get(chargeId)
        if (!charge || charge.userId !== Number(params.user_id)) throw new BotApiError(400, "Bad Request: CHARGE_NOT_FOUND")
        if (charge.refunded) throw new BotApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        charge.refunded = true
        const user = { id: charge.userId, first_name: "" }
        pushUpdate({
          message: {
            message_id: state.nextMessageId++,
            date: nowSeconds(),
            chat: privateChat(user),
            from: asUser(user),
            refunded_payment: { currency: charge.currency, total_amount: charge.amount, invoice_payload: charge.payload, telegram_payment_charge_id: chargeId }
          }
        })
        return true
      },
      sendChatAction: () => true,
      getFile: (params) => {
        const file = state.files.get(String(params.file_id))
        if (!file) throw new BotApiError(400, "Bad Request: invalid file_id")
        return { file_id: params.file_id, file_unique_id: `u${params.file_id}`, file_size: file.content.length, file_path: file.path }
      }
    }

    /** `sendInvoice` with Telegram's checks of its fields (Telegram Stars: `XTR`, one price, no provider token). */
    const sendInvoice = (params: Record<string, unknown>) => {
      const title = String(params.title ?? "")
      const description = String(params.description ?? "")
      const payload = String(params.payload ?? "")
      const currency = String(params.currency ?? "")
      const prices = (Array.isArray(params.prices) ? params.prices : []) as Array<{ label: string; amount: number }>
      if (title.length < 1 || title.length > 32) throw new BotApiError(400, "Bad Request: INVOICE_TITLE_INVALID")
      if (description.length < 1 || description.length > 255) throw new BotApiError(400, "Bad Request: INVOICE_DESCRIPTION_INVALID")
      if (Buffer.byteLength(payload) < 1 || Buffer.byteLength(payload) > 128) throw new BotApiError(400, "Bad Request: INVOICE_PAYLOAD_INVALID")
      if (currency === "XTR" && ((params.provider_token ?? "") !== "" || prices.length !== 1)) {
        throw new BotApiError(400, "Bad Request: STARS_INVOICE_INVALID")
      }
      if (prices.length === 0 || prices.some((price) => !Number.isInteger(price.amount) || price.amount <= 0)) {
        throw new BotApiError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
      }
      const total_amount = prices.reduce((sum, price) => sum + price.amount, 0)
      const invoice: FakeInvoice = { title, description, currency, total_amount, payload, prices }
      const message = record({ message_id: state.nextMessageId++, chat_id: Number(params.chat_id), text: "", invoice, edited: false, deleted: false })
      return { ...message, invoice: { title, description, start_parameter: "", currency, total_amount } }
    }

    /** The user's message carrying a successful payment, and the charge the fake now knows. */
    const paymentMessage = (
      user: FakeUser,
      payment: { readonly currency: string; readonly amount: number; readonly payload: string; readonly chargeId?: string }
    ) => {
      const chargeId = payment.chargeId ?? `stxFAKE${String(state.nextChargeId++).padStart(6, "0")}`
      state.charges.set(chargeId, { userId: user.id, currency: payment.currency, amount: payment.amount, payload: payment.payload, refunded: false })
      const message_id = state.nextMessageId++
      userMessages.set(`${user.id}:${message_id}`, { deleted: false })
      const updateId = pushUpdate({
        message: {
          message_id,
          date: nowSeconds(),
          chat: privateChat(user),
          from: asUser(user),
          successful_payment: {
            currency: payment.currency,
            total_amount: payment.amount,
            invoice_payload: payment.payload,
            telegram_payment_charge_id: chargeId,
            provider_payment_charge_id: `provider-${chargeId}`
          }
        }
      })
      return { chargeId, updateId }
    }

    const respond = (response: Http.ServerResponse, status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" })
      response.end(JSON.stringify(body))
    }

    const handle = async (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      const file = url.pathname.match(/^\/file\/bot([^/]+)\/(.+)$/)
      if (file) {
        const found = [...state.files.values()].find((candidate) => candidate.path === file[2])
        if (file[1] !== token || !found) return respond(response, 404, { ok: false, error_code: 404, description: "Not Found" })
        response.writeHead(200, { "content-type": "application/octet-stream" })
        return response.end(found.content)
      }
      const call = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/)
      if (!call || call[1] !== token) return respond(response, 401, { ok: false, error_code: 401, description: "Unauthorized" })
      const method = call[2]!
      const params = await decodeParams(request, url)
      state.calls.push({ method, params, at: Date.now() })
      const gated = gates.check(method, params)
      if (gated === "hang") return
      if (gated !== undefined) return respond(response, gated.error_code, { ok: false, ...gated })
      const raw = state.rawAnswers.get(method)
      if (raw !== undefined && raw.remaining > 0) {
        raw.remaining -= 1
        return respond(response, raw.status, raw.body)
      }
      const failingFor = state.failingUntil.get(method)
      const failure = failingFor !== undefined && Date.now() < failingFor.until
        ? failingFor.failure
        : state.failures.get(method)?.shift()
      if (failure) {
        return respond(response, failure.error_code, {
          ok: false,
          error_code: failure.error_code,
          description: failure.description,
          ...(failure.retry_after === undefined ? {} : { parameters: { retry_after: failure.retry_after } })
        })
      }
      const implementation = methods[method]
      if (!implementation) return respond(response, 404, { ok: false, error_code: 404, description: "Not Found: method not found" })
      const outcome = await Promise.resolve().then(() => implementation(params)).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => error instanceof BotApiError ? error : new BotApiError(500, String(error))
      )
      return outcome instanceof BotApiError
        ? respond(response, outcome.code, { ok: false, error_code: outcome.code, description: outcome.description })
        : respond(response, 200, outcome)
    }

    const server = yield* Effect.acquireRelease(
      Effect.callback<Http.Server>((resume) => {
        const server = Http.createServer((request, response) => {
          handle(request, response).catch((error: unknown) => respond(response, 500, { ok: false, error_code: 500, description: String(error) }))
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          for (const wake of state.pollers.splice(0)) wake()
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const port = (server.address() as AddressInfo).port

    const messagesIn = (chatId: number) =>
      Effect.sync(() => [...state.messages.values()].filter((message) => message.chat_id === chatId))

    const awaitMessage = (chatId: number, predicate: (message: BotMessage) => boolean, timeout: Duration.Input = "10 seconds") =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<BotMessage>()
        const check = Effect.flatMap(messagesIn(chatId), (messages) => {
          const found = messages.find(predicate)
          return found ? Deferred.succeed(done, found) : Effect.void
        })
        return yield* Effect.raceFirst(
          Deferred.await(done),
          Effect.forever(Effect.andThen(check, Effect.sleep("20 millis")))
        ).pipe(
          Effect.timeoutOption(timeout),
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.flatMap(messagesIn(chatId), (messages) =>
                Effect.fail(new FakeBotApiTimeout({ chatId, seen: messages.map((message) => message.text) }))),
            onSome: Effect.succeed
          }))
        )
      })

    return FakeBotApi.of({
      apiRoot: `http://127.0.0.1:${port}`,
      token,
      bot: botUser,
      sendText: (user, text) =>
        Effect.sync(() =>
          userMessage(user, {
            text,
            ...(text.startsWith("/") ? { entities: [{ type: "bot_command", offset: 0, length: text.split(/\s/)[0]!.length }] } : {})
          })
        ),
      shareContact: (user, phoneNumber) =>
        Effect.sync(() => userMessage(user, { contact: { phone_number: phoneNumber, first_name: user.first_name, user_id: user.id } })),
      sendDocument: (user, fileName, content) =>
        Effect.sync(() => {
          const file_id = `file-${state.nextFileId++}`
          state.files.set(file_id, { path: `documents/${file_id}-${fileName}`, content: Buffer.from(content, "utf8") })
          return userMessage(user, { document: { file_id, file_unique_id: `u${file_id}`, file_name: fileName, file_size: Buffer.byteLength(content) } })
        }),
      pressButton: (user, messageId, data) =>
        Effect.sync(() => {
          const id = `cbq-${state.nextUpdateId}`
          const message = state.messages.get(messageId)
          pushUpdate({
            callback_query: {
              id,
              from: asUser(user),
              chat_instance: `ci-${user.id}`,
              data,
              message: { message_id: messageId, date: sentAt.get(messageId) ?? nowSeconds(), chat: privateChat(user), from: botUser, text: message?.text ?? "" }
            }
          })
          return id
        }),
      messagesIn,
      awaitMessage,
      calls: Effect.sync(() => [...state.calls]),
      failNext: (method, failure) =>
        Effect.sync(() => {
          state.failures.set(method, [...(state.failures.get(method) ?? []), failure])
        }),
      wasDeleted: (chatId, messageId) => Effect.sync(() => userMessages.get(`${chatId}:${messageId}`)?.deleted ?? false),
      answerRaw: (method, answer) =>
        Effect.sync(() => void state.rawAnswers.set(method, { ...answer, remaining: answer.times ?? Number.POSITIVE_INFINITY })),
      failFor: (method, duration, failure) =>
        Effect.sync(() =>
          void state.failingUntil.set(method, { until: Date.now() + Duration.toMillis(Duration.fromInputUnsafe(duration)), failure })
        ),
      ignorePollTimeout: Effect.sync(() => {
        state.pollTimeoutIgnored = true
        for (const wake of state.pollers.splice(0)) wake()
      }),
      answerAtOnce: (chatId, predicate, react, latency = "300 millis") =>
        Effect.sync(() => {
          state.reactions.push({ chatId, predicate, react, latencyMillis: Duration.toMillis(Duration.fromInputUnsafe(latency)) })
        }),
      pay: (user, invoiceMessageId, tamper = {}) =>
        Effect.gen(function*() {
          const invoice = state.messages.get(invoiceMessageId)?.invoice
          if (invoice === undefined) return yield* Effect.die(new Error(`message ${invoiceMessageId} is no invoice`))
          const id = `pcq-${state.nextUpdateId}`
          const answered = yield* Deferred.make<{ readonly ok: boolean; readonly errorMessage: string }>()
          state.preCheckouts.set(id, (answer) => Effect.runSync(Deferred.succeed(answered, answer)))
          const amount = tamper.totalAmount ?? invoice.total_amount
          const payload = tamper.payload ?? invoice.payload
          pushUpdate({ pre_checkout_query: { id, from: asUser(user), currency: invoice.currency, total_amount: amount, invoice_payload: payload } })
          const answer = yield* Deferred.await(answered).pipe(Effect.timeoutOption("10 seconds"))
          state.preCheckouts.delete(id)
          if (Option.isNone(answer)) return { _tag: "Unanswered" } satisfies PaymentOutcome
          if (!answer.value.ok) return { _tag: "Refused", errorMessage: answer.value.errorMessage } satisfies PaymentOutcome
          return { _tag: "Paid", ...paymentMessage(user, { currency: invoice.currency, amount, payload }) } satisfies PaymentOutcome
        }),
      deliverPayment: (user, payment) =>
        Effect.sync(() =>
          paymentMessage(user, {
            currency: "XTR",
            amount: payment.totalAmount,
            payload: payment.payload,
            ...(payment.chargeId === undefined ? {} : { chargeId: payment.chargeId })
          })
        ),
      redeliver: (updateId) => {
        const update = state.history.get(updateId)
        return update === undefined ? Effect.die(new Error(`no update ${updateId} to deliver again`)) : Effect.sync(() => pushUpdate(update))
      },
      isRefunded: (chargeId) => Effect.sync(() => state.charges.get(chargeId)?.refunded ?? false),
      hang: (method, hanging = true) => Effect.sync(() => void (hanging ? gates.hanging.add(method) : gates.hanging.delete(method))),
      hungCalls: Effect.sync(() => gates.counts.hung),
      block: (chatId, blocked = true) => Effect.sync(() => void (blocked ? gates.blocked.add(chatId) : gates.blocked.delete(chatId))),
      tooManyRequests: Effect.sync(() => gates.counts.refused)
    })
  })

/** A Bot API error answer (`ok: false`), as the real server gives it. */
class BotApiError {
  readonly code: number
  readonly description: string
  constructor(code: number, description: string) {
    this.code = code
    this.description = description
  }
}

export class FakeBotApiTimeout extends Schema.TaggedError<FakeBotApiTimeout>()("FakeBotApiTimeout", {
  chatId: Schema.Number,
  seen: Schema.Array(Schema.String)
}) {
  override get message() {
    return `no matching bot message in chat ${this.chatId}; the bot said: ${JSON.stringify(this.seen)}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What Telegram refuses before carrying a call out: hung calls (a test's fault), blocked users, texts over 4,096
// characters, and, with limits on, calls past its flood limits.

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface Bucket {
  readonly perSecond: number
  readonly burst: number
}

/** Telegram's published flood limits: about 30 messages/s overall, 1/s into one chat, 20/min into one group. */
export interface TelegramLimits {
  readonly overall: Bucket
  readonly chat: Bucket
  readonly group: Bucket
}

/** Short bursts into one chat are allowed, as Telegram says; anything steadier is held to the published figures. */
export const telegramLimits: TelegramLimits = {
  overall: { perSecond: 30, burst: 30 },
  chat: { perSecond: 1, burst: 3 },
  group: { perSecond: 20 / 60, burst: 20 }
}

/** Telegram's longest message text. */
const maxTextLength = 4096

/** Telegram's most bytes of a button's callback data. */
const maxCallbackDataBytes = 64

/** The inline buttons a call carries (its `reply_markup`, as JSON or already read). */
const buttonsOf = (params: Record<string, unknown>): ReadonlyArray<{ readonly callback_data?: string }> => {
  const markup = typeof params.reply_markup === "string" ? JSON.parse(params.reply_markup) as unknown : params.reply_markup
  const rows = (markup as { readonly inline_keyboard?: unknown } | undefined)?.inline_keyboard
  return Array.isArray(rows) ? rows.flat() as ReadonlyArray<{ readonly callback_data?: string }> : []
}

const isSend = (method: string) => method.startsWith("send") && method !== "sendChatAction"

interface Refusal {
  readonly error_code: number
  readonly description: string
  readonly parameters?: { readonly retry_after: number }
}

const makeGates = (limits: TelegramLimits | undefined) => {
  const hanging = new Set<string>()
  const blocked = new Set<number>()
  const buckets = new Map<string, { tokens: number; at: number }>()
  const counts = { hung: 0, refused: 0 }

  /** The buckets a call spends a token of: every send and edit the overall one, a send its chat's (and group's). */
  const bucketsOf = (method: string, chatId: number): ReadonlyArray<readonly [string, Bucket]> => {
    if (limits === undefined || !(isSend(method) || method.startsWith("edit"))) return []
    if (!isSend(method)) return [["overall", limits.overall]]
    return [["overall", limits.overall], [`chat:${chatId}`, limits.chat], ...(chatId < 0 ? [[`group:${chatId}`, limits.group] as const] : [])]
  }

  /** Seconds until the bucket has a token (0: it has one), refilled up to now. */
  const wait = (key: string, bucket: Bucket, now: number): number => {
    const state = buckets.get(key) ?? { tokens: bucket.burst, at: now }
    state.tokens = Math.min(bucket.burst, state.tokens + ((now - state.at) / 1000) * bucket.perSecond)
    state.at = now
    buckets.set(key, state)
    return state.tokens >= 1 ? 0 : (1 - state.tokens) / bucket.perSecond
  }

  /** A 429 past any bucket; otherwise a token of each is spent. */
  const flood = (method: string, chatId: number): Refusal | undefined => {
    const spent = bucketsOf(method, chatId)
    const now = Date.now()
    const longest = Math.max(0, ...spent.map(([key, bucket]) => wait(key, bucket, now)))
    if (longest === 0) {
      for (const [key] of spent) buckets.get(key)!.tokens -= 1
      return undefined
    }
    counts.refused += 1
    const retryAfter = Math.max(1, Math.ceil(longest))
    return { error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }
  }

  const check = (method: string, params: Record<string, unknown>): Refusal | "hang" | undefined => {
    if (hanging.has(method)) return (counts.hung += 1, "hang")
    const chatId = Number(params.chat_id)
    if (isSend(method) && blocked.has(chatId)) return { error_code: 403, description: "Forbidden: bot was blocked by the user" }
    if ((method === "sendMessage" || method === "editMessageText") && String(params.text ?? "").length > maxTextLength) {
      return { error_code: 400, description: "Bad Request: message is too long" }
    }
    if (buttonsOf(params).some((button) => Buffer.byteLength(button.callback_data ?? "") > maxCallbackDataBytes)) {
      return { error_code: 400, description: "Bad Request: BUTTON_DATA_INVALID" }
    }
    return flood(method, chatId)
  }

  return { hanging, blocked, counts, check }
}
