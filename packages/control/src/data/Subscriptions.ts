/**
 * Subscriptions: the current one with its effective limits (expired means free), cached in
 * memory for five minutes and dropped from the cache at once when this process changes it.
 */
import { FeatureOverrides, Plan, type PlanLimits } from "@vigia/domain/Plan"
import { effectiveLimits, effectivePlan, SubscriptionTerms } from "@vigia/domain/Subscription"
import { Cache, Context, DateTime, Duration, Effect, Exit, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "./AuditLog.ts"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { UserId, UserNotFound } from "./UserId.ts"

export class Subscription extends Schema.Class<Subscription>("@vigia/control/data/Subscription")({
  userId: UserId,
  plan: Plan,
  featureOverrides: FeatureOverrides,
  /** `null`: the plan does not expire. */
  expiresAt: Schema.NullOr(Schema.Date),
  isActive: Schema.Boolean,
  /** The payment that granted the plan, if one did. */
  paymentReference: Schema.NullOr(Schema.String),
  updatedAt: Schema.Date
}) {
  /** What the domain's plan decisions (`canActivateGroup`, …) are asked about. */
  get terms(): SubscriptionTerms {
    return new SubscriptionTerms({
      plan: this.plan,
      overrides: this.featureOverrides,
      expiresAt: this.expiresAt,
      isActive: this.isActive
    })
  }
}

/** A subscription and what it allows at the moment it was read. */
export interface EffectiveSubscription {
  readonly subscription: Subscription
  /** The plan in force: `free` once the subscription expired or was deactivated. */
  readonly plan: Plan
  readonly limits: PlanLimits
}

export const PlanChangeSource = Schema.Literals(["admin", "payment", "refund"])
export type PlanChangeSource = typeof PlanChangeSource.Type

export interface PlanGrant {
  readonly plan: Plan
  /** `null`: no expiry. */
  readonly expiresAt: Date | null
  readonly overrides: FeatureOverrides
  readonly paymentReference: string | null
  readonly source: PlanChangeSource
}

export interface PlanExtension {
  readonly plan: Plan
  /** Added to the current expiry when the same plan is still in force, else to now. */
  readonly duration: Duration.Input
  readonly paymentReference: string | null
  readonly source: PlanChangeSource
}

/** A payment given back: the period it bought comes off the plan it bought, if that plan is still the seller's. */
export interface PlanShortening {
  readonly plan: Plan
  readonly duration: Duration.Input
  readonly paymentReference: string
}

/** The plan a new seller starts on (`free` unless the operator chose another), and for how long (`null`: no expiry). */
export interface NewSellerPlan {
  readonly plan: Plan
  readonly duration: Duration.Duration | null
}

export const NewSellerPlan = Context.Reference<NewSellerPlan>("@vigia/control/data/NewSellerPlan", {
  defaultValue: () => ({ plan: "free", duration: null })
})

export class SubscriptionError extends Schema.TaggedError<SubscriptionError>()("SubscriptionError", {
  reason: Schema.Union([UserNotFound])
}) {}

export const cacheTimeToLive = Duration.minutes(5)

const decodeSubscription = Schema.decodeUnknownEffect(Subscription)

const notFound = (userId: UserId) =>
  new SubscriptionError({ reason: new UserNotFound({ message: `no subscription for user ${userId}` }) })

/** A grant without the refunded period; none when the subscription's plan is another or does not expire. */
const shortened = (current: Subscription, shortening: PlanShortening, now: Date): PlanGrant | undefined => {
  if (current.plan !== shortening.plan || current.expiresAt === null) return undefined
  const end = current.expiresAt.getTime() - Duration.toMillis(shortening.duration)
  return {
    plan: current.plan,
    expiresAt: new Date(Math.max(end, now.getTime())),
    overrides: current.featureOverrides,
    paymentReference: shortening.paymentReference,
    source: "refund"
  }
}

/** A grant after `extension`: later expiry for the plan in force, a fresh period otherwise. */
const extended = (current: Subscription, extension: PlanExtension, now: Date): PlanGrant => {
  const continuing = effectivePlan(current.terms, now) === extension.plan
  const from = continuing ? current.expiresAt : now
  return {
    plan: extension.plan,
    expiresAt: continuing && from === null
      ? null
      : new Date((from ?? now).getTime() + Duration.toMillis(extension.duration)),
    overrides: continuing ? current.featureOverrides : {},
    paymentReference: extension.paymentReference,
    source: extension.source
  }
}

export class Subscriptions extends Context.Service<Subscriptions, {
  /** The user's subscription and its effective plan and limits now (served from the cache). */
  readonly current: (userId: UserId) => Effect.Effect<EffectiveSubscription, SubscriptionError | DatabaseError>
  /** Sets the plan (admin or payment), audited as `plan-changed`. */
  readonly grant: (userId: UserId, grant: PlanGrant) => Effect.Effect<Subscription, SubscriptionError | DatabaseError>
  /** Extends the plan by a period (a renewal keeps counting from the current expiry). */
  readonly extend: (
    userId: UserId,
    extension: PlanExtension
  ) => Effect.Effect<Subscription, SubscriptionError | DatabaseError>
  /**
   * Takes a refunded period off the plan it bought (never ending it before now), audited as `plan-changed`; whether
   * it did (not when the seller is on another plan by now, or one without expiry) and the subscription after.
   */
  readonly shorten: (
    userId: UserId,
    shortening: PlanShortening
  ) => Effect.Effect<{ readonly shortened: boolean; readonly subscription: Subscription }, SubscriptionError | DatabaseError>
  /** Drops the cached copy: for a change made inside a caller's transaction, once that transaction committed. */
  readonly refresh: (userId: UserId) => Effect.Effect<void>
}>()("@vigia/control/data/Subscriptions") {
  static readonly layer = Layer.effect(
    Subscriptions,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog

      const load = (userId: UserId) =>
        Effect.gen(function*() {
          const [row] = yield* sql`SELECT * FROM subscriptions WHERE user_id = ${userId}`
          if (row === undefined) return yield* notFound(userId)
          return yield* decodeSubscription(row)
        }).pipe(orDatabaseError)

      // Failed look-ups are not kept: the next call asks PostgreSQL again.
      const cache = yield* Cache.makeWith(load, {
        capacity: 50_000,
        timeToLive: (exit) => Exit.isSuccess(exit) ? cacheTimeToLive : Duration.zero
      })

      const current = Effect.fn("Subscriptions.current")(function*(userId: UserId) {
        const subscription = yield* Cache.get(cache, userId)
        const now = yield* DateTime.nowAsDate
        return {
          subscription,
          plan: effectivePlan(subscription.terms, now),
          limits: effectiveLimits(subscription.terms, now)
        }
      })

      /** Writes a plan change under the row's lock, with its audit entry, then drops the cached copy; no grant, no change. */
      const change = (userId: UserId, decide: (current: Subscription, now: Date) => PlanGrant | undefined) =>
        sql.withTransaction(Effect.gen(function*() {
          const now = yield* DateTime.nowAsDate
          const [locked] = yield* sql`SELECT * FROM subscriptions WHERE user_id = ${userId} FOR UPDATE`
          if (locked === undefined) return yield* notFound(userId)
          const previous = yield* decodeSubscription(locked)
          const grant = decide(previous, now)
          if (grant === undefined) return { changed: false, subscription: previous }
          const [row] = yield* sql`
            UPDATE subscriptions SET plan = ${grant.plan}, feature_overrides = ${JSON.stringify(grant.overrides)},
              expires_at = ${grant.expiresAt}, is_active = true, payment_reference = ${grant.paymentReference},
              updated_at = ${now}
            WHERE user_id = ${userId}
            RETURNING *`
          yield* audit.append({
            userId,
            action: "plan-changed",
            details: {
              plan: grant.plan,
              previousPlan: previous.plan,
              expiresAt: grant.expiresAt?.toISOString() ?? null,
              source: grant.source,
              paymentReference: grant.paymentReference
            }
          })
          return { changed: true, subscription: yield* decodeSubscription(row) }
        })).pipe(
          Effect.ensuring(Cache.invalidate(cache, userId)),
          orDatabaseError
        )

      const grant = Effect.fn("Subscriptions.grant")(function*(userId: UserId, grant: PlanGrant) {
        return (yield* change(userId, () => grant)).subscription
      })

      const extend = Effect.fn("Subscriptions.extend")(function*(userId: UserId, extension: PlanExtension) {
        return (yield* change(userId, (current, now) => extended(current, extension, now))).subscription
      })

      const shorten = Effect.fn("Subscriptions.shorten")(function*(userId: UserId, shortening: PlanShortening) {
        const { changed, subscription } = yield* change(userId, (current, now) => shortened(current, shortening, now))
        return { shortened: changed, subscription }
      })

      return Subscriptions.of({ current, grant, extend, shorten, refresh: (userId) => Cache.invalidate(cache, userId) })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
