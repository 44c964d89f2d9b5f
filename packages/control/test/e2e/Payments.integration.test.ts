import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser, type PaymentOutcome } from "../support/FakeBotApi.ts"
import { exchange, includes, lastMessageId, newerThan, press } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// A seller buys a plan in the bot with Telegram Stars, as Telegram runs a payment: invoice, pre-checkout, payment.
// Prices come from the configuration; a payment is credited once per charge, and an administrator can give it back.
const admin: FakeUser = { id: 9_700_000_001, first_name: "Admin" }
const iara: FakeUser = { id: 9_700_000_002, first_name: "Iara" }
const dayMs = 24 * 60 * 60 * 1000

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty)

const paidCharge = (outcome: PaymentOutcome) => {
  assert.strictEqual(outcome._tag, "Paid", JSON.stringify(outcome))
  return outcome._tag === "Paid" ? outcome : { chargeId: "", updateId: 0 }
}

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("plans paid in the bot", (it) => {
  it.effect("sells 30 days for Stars, checks every pre-checkout, credits each charge once, refunds once and shortens the plan", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const sql = yield* SqlClient.SqlClient
      yield* ControlProcess.startOverTestDatabase({
        ADMIN_TELEGRAM_IDS: String(admin.id),
        PLAN_PRICE_BASIC_STARS: "250",
        PLAN_CHECK_INTERVAL: "1 hour",
        BOT_RATE_LIMIT: "1000"
      })
      const subscription = Effect.map(
        sql<{ readonly plan: string; readonly expiresAt: Date | null }>`
          SELECT s.plan, s.expires_at FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE u.telegram_user_id = ${iara.id}`,
        (rows) => rows[0]
      )
      const payments = sql<{ readonly chargeId: string; readonly status: string }>`
        SELECT charge_id, status FROM star_payments WHERE telegram_user_id = ${iara.id} ORDER BY paid_at`
      const daysLeft = Effect.map(subscription, (row) => Math.round(((row?.expiresAt?.getTime() ?? 0) - Date.now()) / dayMs))
      /** Iara presses a buy button under `/plano`; the invoice the bot sends. */
      const invoiceFor = (plan: BotMessage, label: string) =>
        press(iara, plan, label, (message) => message.invoice !== undefined)

      // The allowed updates include the pre-checkout query, or Telegram would never deliver it.
      yield* exchange(iara, "/start", includes("Eu sou o Vigia"))
      const polls = (yield* api.calls).filter((call) => call.method === "getUpdates" && Array.isArray(call.params.allowed_updates))
      assert.include(polls.at(-1)?.params.allowed_updates as ReadonlyArray<string>, "pre_checkout_query")

      const free = yield* exchange(iara, "/plano", includes("Seu plano: Gratuito"))
      assert.notInclude(free.text, "grupo ativo", "the free plan advertises a group it cannot watch")
      const invoice = yield* invoiceFor(free, "Básico — 250 ⭐")
      assert.deepInclude(invoice.invoice, { currency: "XTR", total_amount: 250, title: "Vigia Básico — 30 dias" })

      // Bad pre-checkouts: a stale amount, a payload that is no invoice of ours (an unknown plan).
      const wrongAmount = yield* api.pay(iara, invoice.message_id, { totalAmount: 200 })
      assert.deepStrictEqual(wrongAmount, { _tag: "Refused", errorMessage: "O valor dessa cobrança não confere com o do plano. Nada foi cobrado. Use /plano para gerar uma nova." })
      const unknownPlan = yield* api.pay(iara, invoice.message_id, { payload: "vigia-plan:gold" })
      assert.strictEqual(unknownPlan._tag === "Refused" && unknownPlan.errorMessage.startsWith("Essa cobrança não corresponde a nenhum plano"), true)
      assert.strictEqual((yield* subscription)?.plan, "free")

      // Paid: 30 days of Basic, told at once and seen by the guard at once.
      const first = paidCharge(yield* api.pay(iara, invoice.message_id))
      yield* api.awaitMessage(iara.id, includes("🎉 Pagamento recebido! Seu plano agora é Básico"))
      assert.deepStrictEqual([(yield* subscription)?.plan, yield* daysLeft], ["basic", 30])
      yield* exchange(iara, "/login", includes("número de telefone"))
      yield* exchange(iara, "/cancelar", includes("cancelei"))

      // Telegram delivers the same payment again: credited once.
      yield* api.redeliver(first.updateId)
      yield* api.awaitMessage(iara.id, includes("Esse pagamento já está registrado"))
      assert.deepStrictEqual((yield* payments).map((row) => row.status), ["credited"])
      assert.strictEqual(yield* daysLeft, 30)
      const paidAgain = yield* api.pay(iara, invoice.message_id)
      assert.strictEqual(paidAgain._tag === "Refused" && paidAgain.errorMessage.startsWith("Essa cobrança já foi paga"), true)

      // Renewing adds 30 days to the plan in force.
      const basic = yield* exchange(iara, "/plano", includes("Seu plano: Básico"))
      assert.include(basic.text, "Válido até")
      const renewal = yield* invoiceFor(basic, "Renovar Básico — 250 ⭐")
      const second = paidCharge(yield* api.pay(iara, renewal.message_id))
      yield* api.awaitMessage(iara.id, newerThan(renewal.message_id)(includes("🎉 Pagamento recebido!")))
      assert.strictEqual(yield* daysLeft, 60)

      // A payment that matches no invoice is given back at once.
      const beforeStray = yield* lastMessageId(api, iara.id)
      const stray = yield* api.deliverPayment(iara, { payload: "vigia-plan:gold", totalAmount: 100 })
      yield* api.awaitMessage(iara.id, newerThan(beforeStray)(includes("não corresponde a nenhuma cobrança do Vigia, então devolvi")))
      assert.isTrue(yield* api.isRefunded(stray.chargeId))
      assert.strictEqual(yield* daysLeft, 60)

      // An administrator refunds the renewal: the plan loses its 30 days, the seller is told; a second refund changes nothing.
      yield* exchange(iara, `/admin_reembolso ${second.chargeId}`, includes("Esse comando é só para administradores."))
      const refundsBefore = (yield* api.calls).filter((call) => call.method === "refundStarPayment").length
      const refunded = yield* exchange(admin, `/admin_reembolso ${second.chargeId}`, includes("devolvido"))
      assert.include(refunded.text, "o plano perdeu 30 dias")
      assert.isTrue(yield* api.isRefunded(second.chargeId))
      yield* api.awaitMessage(iara.id, includes("💸 Seu pagamento de 250 ⭐ foi devolvido. Seu plano Básico agora vale até"))
      assert.strictEqual(yield* daysLeft, 30)
      yield* exchange(admin, `/admin_reembolso ${second.chargeId}`, includes("Esse pagamento já foi devolvido"))
      assert.strictEqual((yield* api.calls).filter((call) => call.method === "refundStarPayment").length, refundsBefore + 1)
      yield* exchange(admin, "/admin_reembolso stxNOPE", includes("Nenhum pagamento com a cobrança stxNOPE."))
      yield* exchange(admin, "/admin_reembolso", includes("Use: /admin_reembolso"))

      // Refunding the first payment ends the plan: connecting an account is refused again.
      yield* exchange(admin, `/admin_reembolso ${first.chargeId}`, includes("devolvido"))
      yield* api.awaitMessage(iara.id, includes("Seu plano Básico terminou."))
      yield* exchange(iara, "/login", includes("não permite conectar uma conta"))
      assert.deepStrictEqual((yield* payments).map((row) => row.status).sort(), ["refunded", "refunded", "refunded"])
      // Telegram's refunded_payment messages were taken as what they are, not as chatter.
      assert.isFalse((yield* api.messagesIn(iara.id)).some(includes("Eu não converso por aqui")))

      const audit = yield* sql<{ readonly action: string }>`
        SELECT a.action FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.telegram_user_id = ${iara.id} ORDER BY a.id`
      const actions = audit.map((entry) => entry.action)
      assert.strictEqual(actions.filter((action) => action === "payment-received").length, 2)
      assert.strictEqual(actions.filter((action) => action === "payment-refunded").length, 2)
    }), { timeout: 240_000 })
})
