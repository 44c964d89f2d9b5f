import { assert, describe, it } from "@effect/vitest"
import type { Plan } from "@vigia/domain/Plan"
import { effectiveLimits, effectivePlan } from "@vigia/domain/Subscription"
import { Effect, Layer, Schema } from "effect"
import * as FailureTexts from "../../src/bot/FailureTexts.ts"
import { SubscriptionGuard } from "../../src/bot/SubscriptionGuard.ts"
import { Subscription, Subscriptions } from "../../src/data/Subscriptions.ts"
import { UserId } from "../../src/data/UserId.ts"

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
    extend: () => Effect.die(new Error("the guard extends nothing"))
  })
  return SubscriptionGuard.layer({ adminIds: new Set([admin]) }).pipe(Layer.provide(Layer.succeed(Subscriptions, subscriptions)))
}

/** Why the guard refuses `command` (a command it lets through fails the test). */
const refusalOf = (telegramUserId: number, command: string) =>
  Effect.flatMap(SubscriptionGuard, (guard) =>
    guard.check(userId, telegramUserId, command).pipe(
      Effect.andThen(Effect.die(new Error(`/${command} passed the guard`))),
      Effect.catchTag("GuardRefusal", Effect.succeed),
      Effect.orDie
    ))

describe("SubscriptionGuard", () => {
  it.effect("lets anyone read about Vigia and their plan, and administrators only run the admin commands", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const command of ["start", "ajuda", "help", "plano", "cancelar"]) yield* guard.check(userId, seller, command)
      yield* guard.check(userId, admin, "admin_plano")
      const refusal = yield* refusalOf(seller, "admin_sessoes")
      assert.strictEqual(refusal.reason._tag, "AdminOnly")
      assert.strictEqual(FailureTexts.guardRefused(refusal.reason), FailureTexts.adminOnly)
    }).pipe(Effect.provide(guardOver("free", null))))

  it.effect("refuses connecting an account on the free plan, with what upgrading gives", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, "login")
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", command: "login", plan: "free", lapsedPlan: null })
      const text = FailureTexts.guardRefused(refusal.reason)
      assert.include(text, "Seu plano Gratuito não permite conectar uma conta do Telegram.")
      assert.include(text, "Com o plano Básico você conecta sua conta do Telegram")
      assert.notInclude(text, refusal.message, "the seller never reads the error's own message")
    }).pipe(Effect.provide(guardOver("free", null))))

  it.effect("names the paid plan that lapsed", () =>
    Effect.gen(function*() {
      const refusal = yield* refusalOf(seller, "grupos")
      assert.deepInclude(refusal.reason, { _tag: "PlanForbids", plan: "free", lapsedPlan: "basic" })
      assert.include(FailureTexts.guardRefused(refusal.reason), "Sua assinatura Básico não está ativa ou venceu")
    }).pipe(Effect.provide(guardOver("basic", new Date(-1)))))

  it.effect("lets a seller on a current paid plan through", () =>
    Effect.gen(function*() {
      const guard = yield* SubscriptionGuard
      for (const command of ["login", "grupos", "tabela", "status"]) yield* guard.check(userId, seller, command)
    }).pipe(Effect.provide(guardOver("basic", null))))
})
