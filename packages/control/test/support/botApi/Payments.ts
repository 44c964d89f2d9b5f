/**
 * Telegram Stars payments in the fake Bot API: the bot's invoices, pre-checkout answers and refunds, and a user paying
 * an invoice (or Telegram delivering a payment) for the tests.
 */
import { Deferred, Effect, Option } from "effect"
import { BotApiError, type Methods } from "./Http.ts"
import { asUser, type FakeInvoice, type FakeUser, nowSeconds, privateChat, type Store } from "./State.ts"

/** How paying an invoice went: paid (the charge id), refused at pre-checkout (the bot's message), or not answered in 10 s. */
export type PaymentOutcome =
  | { readonly _tag: "Paid"; readonly chargeId: string; readonly updateId: number }
  | { readonly _tag: "Refused"; readonly errorMessage: string }
  | { readonly _tag: "Unanswered" }

/** The payment methods of the Bot API, and the test-facing side of paying. */
export const makePayments = (store: Store) => {
  const { state, userMessages, pushUpdate, record } = store

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

  const methods: Methods = {
    sendInvoice,
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
    }
  }

  const pay = (user: FakeUser, invoiceMessageId: number, tamper: { readonly totalAmount?: number; readonly payload?: string } = {}) =>
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
    })

  const deliverPayment = (
    user: FakeUser,
    payment: { readonly payload: string; readonly totalAmount: number; readonly chargeId?: string }
  ) =>
    Effect.sync(() =>
      paymentMessage(user, {
        currency: "XTR",
        amount: payment.totalAmount,
        payload: payment.payload,
        ...(payment.chargeId === undefined ? {} : { chargeId: payment.chargeId })
      })
    )

  const isRefunded = (chargeId: string) => Effect.sync(() => state.charges.get(chargeId)?.refunded ?? false)

  return { methods, pay, deliverPayment, isRefunded }
}
