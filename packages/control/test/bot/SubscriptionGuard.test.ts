import { assert, describe, it } from "@effect/vitest"
import type { Plan } from "@vigia/domain/Plan"
import { effectiveLimits, effectivePlan } from "@vigia/domain/Subscription"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Layer, Schema } from "effect"
import type { Message } from "grammy/types"
import * as CodeKeypad from "../../src/bot/CodeKeypad.ts"
import { buttonPrefix as auditButtonPrefix } from "../../src/bot/features/AdminAudit.ts"
import { buttonPrefix as sessionsButtonPrefix } from "../../src/bot/features/AdminSessions.ts"
import { buttonPrefix as groupsButtonPrefix } from "../../src/bot/features/Groups.ts"
import { resendButton } from "../../src/bot/features/LoginSteps.ts"
import { buttonPrefix as paymentsButtonPrefix } from "../../src/bot/features/Payments.ts"
import { buttonPrefix as tableButtonPrefix } from "../../src/bot/features/PriceTable.ts"
import * as FailureTexts from "../../src/bot/FailureTexts.ts"
import { callbackData } from "../../src/bot/OrderHistoryView.ts"
import { type Request, requestOf, SubscriptionGuard } from "../../src/bot/SubscriptionGuard.ts"
import {
  AwaitingCode,
  AwaitingEmailCode,
  AwaitingLoginStep,
  AwaitingPassword,
  AwaitingPhone,
  AwaitingPriceTable,
  Idle,
  type Step
} from "../../src/data/Conversations.ts"
import { Subscription, Subscriptions } from "../../src/data/Subscriptions.ts"
import { UserId } from "../../src/data/UserId.ts"
import { contextOf } from "../support/BotContexts.ts"

const userId = Schema.decodeUnknownSync(UserId)("7d3f2c1e-52a4-4c1b-9a7e-3f0f6f1c2a10")
const admin = 9_000_000_001
const seller = 9_000_000_002

/** The guard over a seller whose subscription is `plan`, expiring at `expiresAt` (the test clock starts at 0). */
const guardOver = (plan: Plan, expiresAt: Date | null) => {
  const subscription = new Subscription({
    userId,
    plan,
    featureOverrides: {},
    expiresAt,
    isActive: true,
    paymentReference: null,
    updatedAt: new Date(0)
  })
  const now = new Date(0)
  const subscriptions = Subscriptions.of({
    current: () =>
      Effect.succeed({
        subscription,
        plan: effectivePlan(subscription.terms, now),
        limits: effectiveLimits(subscription.terms, now)
      }),
    grant: () => Effect.die(new Error("the guard grants nothing")),
    extend: () => Effect.die(new Error("the guard extends nothing")),
    shorten: () => Effect.die(new Error("the guard shortens nothing")),
    refresh: () => Effect.void
  })
  return SubscriptionGuard.layer({ adminIds: new Set([admin]) }).pipe(Layer.provide(Layer.succeed(Subscriptions, subscriptions)))
}

const command = (name: string): Request => ({ _tag: "Command", command: name })

/** Why the guard refuses `request` (a request it lets through fails the test). */
const refusalOf = (telegramUserId: number, request: Request) =>
  Effect.flatMap(SubscriptionGuard, (guard) =>
    guard.check(userId, telegramUserId, request).pipe(
      Effect.andThen(Effect.die(new Error(`${JSON.stringify(request)} passed the guard`))),
      Effect.catchTag("GuardRefusal", Effect.succeed),
      Effect.orDie
    ))

describe("SubscriptionGuard", () => {
  it.effect("lets anyone read about Vigia and their plan, and administrators only run the admin commands", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const name of ["start", "ajuda", "help", "plano", "cancelar"]) yield* guard.check(userId, seller, command(name))
      yield* guard.check(userId, seller, { _tag: "Chatter" })
      yield* guard.check(userId, admin, command("admin_plano"))
      const refusal = yield* refusalOf(seller, command("admin_sessoes"))
      assert.strictEqual(refusal.reason._tag, "AdminOnly")
      assert.strictEqual(FailureTexts.guardRefused(refusal.reason), FailureTexts.adminOnly)
    }).pipe(Effect.provide(guardOver("free", null))))

  it.effect("refuses connecting an account on the free plan, with what upgrading gives", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, command("login"))
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", command: "login", plan: "free", lapsedPlan: null })
      const text = FailureTexts.guardRefused(refusal.reason)
      assert.include(text, "Seu plano Gratuito não permite conectar uma conta do Telegram.")
      assert.include(text, "Com o plano Básico você conecta sua conta do Telegram")
      assert.notInclude(text, refusal.message, "the seller never reads the error's own message")
    }).pipe(Effect.provide(guardOver("free", null))))

  it.effect("names the paid plan that lapsed", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, command("grupos"))
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", plan: "free", lapsedPlan: "basic" })
      assert.include(FailureTexts.guardRefused(refusal.reason), "Sua assinatura Básico não está ativa ou venceu")
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))

  it.effect("lets a seller on a current paid plan through", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const name of ["login", "grupos", "tabela", "status"]) yield* guard.check(userId, seller, command(name))
      yield* guard.check(userId, seller, { _tag: "Button" })
    }).pipe(Effect.provide(guardOver("basic", null))))

  it.effect("lets a seller whose plan lapsed, or who never paid, look back at their orders and export them", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const name of ["pedidos", "exportar"]) yield* guard.check(userId, seller, command(name))
      yield* guard.check(userId, seller, requestOf(pressed(callbackData({ day: "2026-11-29", group: null, page: 0 }))))
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))

  it.effect("lets a seller whose plan lapsed turn their summary off, set their time zone, and erase their data", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const name of ["resumo", "fuso", "apagar"]) yield* guard.check(userId, seller, command(name))
      yield* guard.check(userId, seller, requestOf(pressed("apagar:sim")))
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))

  it.effect("refuses a lapsed seller the buttons no feature claims", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, { _tag: "Button" })
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", plan: "free", lapsedPlan: "basic" })
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))
})

const ana = { id: 5, is_bot: false, first_name: "Ana" }

/** Ana's message in her private chat with the bot, with `fields`, answering `step` when the middleware loaded one. */
const message = (fields: Pick<Message, "text" | "entities" | "successful_payment" | "refunded_payment">, step: Step | undefined) =>
  contextOf({ message: { message_id: 1, date: 0, chat: { id: 5, type: "private", first_name: "Ana" }, from: ana, ...fields } }, step)

const typed = (text: string, step: Step) =>
  message({
    text,
    ...(text.startsWith("/") ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]!.length }] } : {})
  }, text.startsWith("/") ? undefined : step)

const pressed = (data: string) =>
  contextOf({ callback_query: { id: "q1", from: ana, chat_instance: "c", data } })

const phone = Schema.decodeUnknownSync(PhoneNumber)("5521988887777")

describe("what an update asks of the guard", () => {
  it("a command is itself, whatever step the seller is in", () => {
    assert.deepStrictEqual(requestOf(typed("/tabela", new AwaitingCode({ phone, length: 5, attempts: 0, resendableAt: null }))), {
      _tag: "Command",
      command: "tabela"
    })
  })

  it.each([
    ["AwaitingPhone", new AwaitingPhone(), "login"],
    ["AwaitingLoginStep", new AwaitingLoginStep({ phone }), "login"],
    ["AwaitingCode", new AwaitingCode({ phone, length: 5, attempts: 0, resendableAt: null }), "login"],
    ["AwaitingPassword", new AwaitingPassword({ phone, hint: "", attempts: 0 }), "login"],
    ["AwaitingEmailCode", new AwaitingEmailCode({ phone, attempts: 0, length: 6 }), "login"],
    ["AwaitingPriceTable", new AwaitingPriceTable(), "tabela"]
  ] as const)("a message at %s carries on /%s", (_tag, step, carried) => {
    assert.deepStrictEqual(requestOf(typed("1 2 3 4 5", step)), { _tag: "Command", command: carried })
  })

  it("a message that answers no step is chatter", () => {
    assert.deepStrictEqual(requestOf(typed("oi", new Idle())), { _tag: "Chatter" })
  })

  it("a button carries on its feature's command; one no feature claims is a button", () => {
    assert.deepStrictEqual(requestOf(pressed(`${CodeKeypad.prefix}1`)), { _tag: "Command", command: "login" })
    assert.deepStrictEqual(requestOf(pressed(resendButton)), { _tag: "Command", command: "login" })
    assert.deepStrictEqual(requestOf(pressed(`${groupsButtonPrefix}t:-100`)), { _tag: "Command", command: "grupos" })
    assert.deepStrictEqual(requestOf(pressed("old:42")), { _tag: "Button" })
  })

  it("a price table's confirmation carries on /tabela, a buy button on /plano, an admin's button on its admin command", () => {
    assert.deepStrictEqual(requestOf(pressed(`${tableButtonPrefix}ok:7`)), { _tag: "Command", command: "tabela" })
    assert.deepStrictEqual(requestOf(pressed(`${paymentsButtonPrefix}basic`)), { _tag: "Command", command: "plano" })
    assert.deepStrictEqual(requestOf(pressed(`${sessionsButtonPrefix}S:5521988887777`)), { _tag: "Command", command: "admin_sessoes" })
    assert.deepStrictEqual(requestOf(pressed(`${auditButtonPrefix}*:42`)), { _tag: "Command", command: "admin_auditoria" })
    assert.deepStrictEqual(requestOf(pressed("pd:20261129:*:0")), { _tag: "Command", command: "pedidos" })
  })

  it("a payment (or its refund) is a purchase in whatever step the seller is, never the step's answer", () => {
    const code = new AwaitingCode({ phone, length: 5, attempts: 0, resendableAt: null })
    const charge = { currency: "XTR", total_amount: 300, invoice_payload: "vigia-plan:x", telegram_payment_charge_id: "stxABC" }
    const payment = (field: "successful_payment" | "refunded_payment") =>
      message(
        field === "successful_payment"
          ? { successful_payment: { ...charge, provider_payment_charge_id: "p1" } }
          : { refunded_payment: charge },
        code
      )
    assert.deepStrictEqual(requestOf(payment("successful_payment")), { _tag: "Command", command: "plano" })
    assert.deepStrictEqual(requestOf(payment("refunded_payment")), { _tag: "Command", command: "plano" })
  })
})

describe("the guard over the buttons of new features", () => {
  it.effect("lets a lapsed seller buy a plan, and only administrators press the sessions' and the audit's buttons", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      yield* guard.check(userId, seller, requestOf(pressed(`${paymentsButtonPrefix}premium`)))
      for (const data of [`${sessionsButtonPrefix}S:5521988887777`, `${auditButtonPrefix}*:42`]) {
        const refusal = yield* refusalOf(seller, requestOf(pressed(data)))
        assert.strictEqual(refusal.reason._tag, "AdminOnly", data)
        yield* guard.check(userId, admin, requestOf(pressed(data)))
      }
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))

  it.effect("keeps a lapsed seller from confirming a change of their price table", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, requestOf(pressed(`${tableButtonPrefix}ok:7`)))
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", command: "tabela" })
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))
})
