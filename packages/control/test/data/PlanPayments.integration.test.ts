import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { repositories } from "../../src/data/layer.ts"
import { payloadOf, PlanPayments } from "../../src/data/PlanPayments.ts"
import { NewSellerPlan, Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const dayMs = 24 * 60 * 60 * 1000
const daysLeft = (expiresAt: Date | null) => Math.round(((expiresAt?.getTime() ?? 0) - Date.now()) / dayMs)

// Real time: plan periods are compared with the wall clock below.
layer(repositories.pipe(Layer.provideMerge(TestDatabase.layer)), { excludeTestServices: true })("plan payments", (it) => {
  it.effect("a charge delivered many times at once is credited once, and the plan read through the cache is the new one", () =>
    Effect.gen(function*() {
      const payments = yield* PlanPayments
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("free")
      // Read once, so a stale copy would sit in the cache.
      assert.strictEqual((yield* subscriptions.current(seller.id)).plan, "free")
      const invoice = yield* payments.createInvoice(seller.id, { plan: "basic", days: 30, stars: 250 })
      const payment = { chargeId: "stxCONCURRENT1", telegramUserId: seller.telegramUserId, payload: payloadOf(invoice), currency: "XTR", amount: 250 }
      const receipts = yield* Effect.all(Array.from({ length: 6 }, () => payments.receive(payment)), { concurrency: "unbounded" })
      assert.deepStrictEqual(receipts.map((receipt) => receipt._tag).sort(), ["Credited", "Duplicate", "Duplicate", "Duplicate", "Duplicate", "Duplicate"])
      const current = yield* subscriptions.current(seller.id)
      assert.deepStrictEqual([current.plan, daysLeft(current.subscription.expiresAt)], ["basic", 30])
      assert.isTrue(yield* payments.isPaid(invoice.id))
    }))

  it.effect("a payment of another payer, another amount, another currency or no invoice of ours is recorded unmatched, crediting nothing", () =>
    Effect.gen(function*() {
      const payments = yield* PlanPayments
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("free")
      const other = yield* newSeller("free")
      const invoice = yield* payments.createInvoice(seller.id, { plan: "premium", days: 30, stars: 900 })
      const cases = [
        { telegramUserId: other.telegramUserId, payload: payloadOf(invoice), currency: "XTR", amount: 900 },
        { telegramUserId: seller.telegramUserId, payload: payloadOf(invoice), currency: "XTR", amount: 899 },
        { telegramUserId: seller.telegramUserId, payload: payloadOf(invoice), currency: "BRL", amount: 900 },
        { telegramUserId: seller.telegramUserId, payload: "vigia-plan:gold", currency: "XTR", amount: 900 },
        { telegramUserId: seller.telegramUserId, payload: "vigia-plan:00000000-0000-4000-8000-000000000000", currency: "XTR", amount: 900 }
      ]
      for (const [n, payment] of cases.entries()) {
        const receipt = yield* payments.receive({ ...payment, chargeId: `stxUNMATCHED${n}` })
        assert.strictEqual(receipt._tag, "Unmatched", JSON.stringify(payment))
      }
      assert.strictEqual((yield* subscriptions.current(seller.id)).plan, "free")
      assert.strictEqual((yield* subscriptions.current(other.id)).plan, "free")
      assert.isFalse(yield* payments.isPaid(invoice.id))
    }))

  it.effect("a refund takes the bought period off once; a refund of a later plan's payment leaves the other plan alone", () =>
    Effect.gen(function*() {
      const payments = yield* PlanPayments
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("free")
      const pay = (plan: "basic" | "premium", chargeId: string) =>
        Effect.flatMap(payments.createInvoice(seller.id, { plan, days: 30, stars: 10 }), (invoice) =>
          payments.receive({ chargeId, telegramUserId: seller.telegramUserId, payload: payloadOf(invoice), currency: "XTR", amount: 10 }))
      yield* pay("basic", "stxB1")
      yield* pay("basic", "stxB2")
      assert.strictEqual(daysLeft((yield* subscriptions.current(seller.id)).subscription.expiresAt), 60)

      const refunded = yield* payments.recordRefund("stxB2", { admin: 1 })
      assert.deepInclude(refunded, { _tag: "Refunded", planShortened: true })
      assert.strictEqual(daysLeft((yield* subscriptions.current(seller.id)).subscription.expiresAt), 30)
      assert.strictEqual((yield* payments.recordRefund("stxB2", { admin: 1 }))._tag, "AlreadyRefunded")
      assert.strictEqual(daysLeft((yield* subscriptions.current(seller.id)).subscription.expiresAt), 30)
      assert.deepStrictEqual(yield* payments.recordRefund("stxNOPE", "telegram"), { _tag: "NotFound" })

      // Upgraded to Premium since: giving the Basic payment back does not touch Premium.
      yield* pay("premium", "stxP1")
      const upgraded = (yield* subscriptions.current(seller.id)).subscription
      assert.deepInclude(yield* payments.recordRefund("stxB1", "telegram"), { _tag: "Refunded", planShortened: false })
      assert.deepStrictEqual((yield* subscriptions.current(seller.id)).subscription.expiresAt, upgraded.expiresAt)

      // The Premium payment given back ends Premium now, not in the past.
      yield* payments.recordRefund("stxP1", "automatic")
      const ended = yield* subscriptions.current(seller.id)
      assert.strictEqual(ended.plan, "free")
      assert.isAtMost(Math.abs((ended.subscription.expiresAt?.getTime() ?? 0) - Date.now()), 60_000)
    }))
})

layer(
  repositories.pipe(
    Layer.provide(Layer.succeed(NewSellerPlan, { plan: "basic", duration: Duration.days(7) })),
    Layer.provideMerge(TestDatabase.layer)
  ),
  { excludeTestServices: true }
)("the plan new sellers start on", (it) => {
  it.effect("is the operator's, for the days given", () =>
    Effect.gen(function*() {
      const users = yield* Users
      const subscriptions = yield* Subscriptions
      const user = yield* users.getOrCreate({ telegramUserId: 6_100_000_001, firstName: "Nova", lastName: null, username: null, languageCode: null })
      const { plan, subscription } = yield* subscriptions.current(user.id)
      assert.deepStrictEqual([plan, daysLeft(subscription.expiresAt)], ["basic", 7])
    }))
})
