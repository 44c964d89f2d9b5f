/**
 * A fake Telegram Bot API server on loopback that grammY reaches through its
 * `apiRoot`; tests act as Telegram users and read what the bot sent them.
 */
import { Context, Deferred, Duration, Effect, Layer, Option, Schema } from "effect"
import { serve } from "./botApi/Http.ts"
import { makeGates, type TelegramLimits, telegramLimits } from "./botApi/Limits.ts"
import { makeMethods } from "./botApi/Methods.ts"
import { makePayments, type PaymentOutcome } from "./botApi/Payments.ts"
import { type ApiCall, asUser, type BotMessage, botUser, type Failure, type FakeUser, makeStore, nowSeconds, privateChat, type RawAnswer } from "./botApi/State.ts"

export { type Bucket, type TelegramLimits, telegramLimits } from "./botApi/Limits.ts"
export type { PaymentOutcome } from "./botApi/Payments.ts"
export type { ApiCall, BotMessage, Failure, FakeInvoice, FakeUser, RawAnswer } from "./botApi/State.ts"

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
  const store = makeStore()
  const { state, userMessages, sentAt, pushUpdate, userMessage } = store
  const gates = makeGates(limits)
  const payments = makePayments(store)
  const port = yield* serve(store, gates, makeMethods(store, payments.methods), token)

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
    pay: payments.pay,
    deliverPayment: payments.deliverPayment,
    redeliver: (updateId) => {
      const update = state.history.get(updateId)
      return update === undefined ? Effect.die(new Error(`no update ${updateId} to deliver again`)) : Effect.sync(() => pushUpdate(update))
    },
    isRefunded: payments.isRefunded,
    hang: (method, hanging = true) => Effect.sync(() => void (hanging ? gates.hanging.add(method) : gates.hanging.delete(method))),
    hungCalls: Effect.sync(() => gates.counts.hung),
    block: (chatId, blocked = true) => Effect.sync(() => void (blocked ? gates.blocked.add(chatId) : gates.blocked.delete(chatId))),
    tooManyRequests: Effect.sync(() => gates.counts.refused)
  })
})

export class FakeBotApiTimeout extends Schema.TaggedError<FakeBotApiTimeout>()("FakeBotApiTimeout", {
  chatId: Schema.Number,
  seen: Schema.Array(Schema.String)
}) {
  override get message() {
    return `no matching bot message in chat ${this.chatId}; the bot said: ${JSON.stringify(this.seen)}`
  }
}
