/**
 * Plans enforced continuously: a periodic pass over the sellers ends the session a plan no longer allows (the account
 * logged out through its worker, the worker stopped, as `/logout` does), deactivates the groups beyond the plan's
 * limit (the ones chosen most recently stay), tells each seller once, and warns of a paid plan's end beforehand.
 */
import { type Plan, Unlimited } from "@vigia/domain/Plan"
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { effectiveLimits, effectivePlan } from "@vigia/domain/Subscription"
import { LogOut } from "@vigia/protocol/Messages"
import { Config, Context, DateTime, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { ActiveGroups } from "../data/ActiveGroups.ts"
import { AuditLog } from "../data/AuditLog.ts"
import { Conversations, Idle } from "../data/Conversations.ts"
import type { DatabaseError } from "../data/Database.ts"
import { type PlanReview, PlanReviews } from "../data/PlanReviews.ts"
import { Sessions } from "../data/Sessions.ts"
import { type User, Users } from "../data/Users.ts"
import { ContainerManager } from "../sessions/manager/ContainerManager.ts"
import { SessionGateway } from "../sessions/SessionGateway.ts"
import { WatchedChats } from "../sessions/WatchedChats.ts"
import { PlanNotifier } from "./PlanNotifier.ts"

export interface PlanEnforcementOptions {
  /** How often every seller's plan is checked. */
  readonly interval: Duration.Duration
}

/** How long before a paid plan ends its seller is warned. */
export const expiryWarning = Duration.days(3)

/** What the plan check did: `session-ended`, `group-deactivated`, `expiry-warned`. */
export const planEnforcements = Metric.counter("vigia_plan_enforcements_total", {
  description: "What the periodic plan check did to sellers whose plan no longer allowed it, by action",
  incremental: true
})

const count = (action: string, times: number) =>
  times === 0 ? Effect.void : Metric.update(Metric.withAttributes(planEnforcements, { action }), times)

export class PlanEnforcement extends Context.Service<PlanEnforcement, {
  /** One pass over the sellers due a review; a seller whose review fails is logged and left to the next pass. */
  readonly reconcile: Effect.Effect<void, DatabaseError>
}>()("@vigia/control/plans/PlanEnforcement") {
  /** The service, with its pass run at start and then every `interval`. */
  static readonly layer = (options: PlanEnforcementOptions) => Layer.effect(PlanEnforcement, make(options))

  static readonly layerConfig = (config: Config.Wrap<PlanEnforcementOptions>) =>
    Layer.effect(PlanEnforcement, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: PlanEnforcementOptions) {
  const reviews = yield* PlanReviews
  const groups = yield* ActiveGroups
  const users = yield* Users
  const sessions = yield* Sessions
  const conversations = yield* Conversations
  const audit = yield* AuditLog
  const manager = yield* ContainerManager
  const gateway = yield* SessionGateway
  const watched = yield* WatchedChats
  const notifier = yield* PlanNotifier

  /** Logs the account out through its worker and stops the worker, as `/logout` does; no login is left half-way. */
  const endSession = Effect.fnUntraced(function*(user: User, phone: PhoneNumber) {
    // Desired state first, so the worker's `LoggedOut` is not taken for a logout elsewhere.
    yield* sessions.setDesired(phone, "stopped")
    yield* gateway.call(phone, new LogOut()).pipe(
      Effect.catchCause((cause) => Effect.logWarning("log out through the worker failed; stopping it anyway", cause))
    )
    yield* manager.stop(phone)
    if (user.phoneNumber === phone && user.telegramAccountId !== null) yield* users.recordLogout(user.id)
    const step = yield* conversations.get(user.telegramUserId)
    if ("phone" in step && step.phone === phone) yield* conversations.set(user.telegramUserId, new Idle())
  }, (effect, _user, phone) => Effect.annotateLogs(effect, { account: mask(phone) }))

  /** Warns once per version of the subscription when its paid plan ends within `expiryWarning`. */
  const warn = Effect.fnUntraced(function*(review: PlanReview, plan: Plan, now: Date) {
    const { expiresAt, userId } = review.subscription
    if (plan === "free" || expiresAt === null) return
    if (expiresAt.getTime() - now.getTime() > Duration.toMillis(expiryWarning)) return
    if (!(yield* reviews.claimNotice(review.subscription, "expiry-warning", plan))) return
    yield* notifier.expiringSoon(userId, plan, expiresAt)
    yield* count("expiry-warned", 1)
  })

  const enforce = Effect.fnUntraced(function*(review: PlanReview, now: Date) {
    const { subscription } = review
    const { userId } = subscription
    const plan = effectivePlan(subscription.terms, now)
    const limits = effectiveLimits(subscription.terms, now)
    const sessionEnded = !limits.canCreateContainer && review.runningPhones.length > 0
    if (sessionEnded) {
      const user = yield* users.get(userId)
      yield* Effect.forEach(review.runningPhones, (phone) => endSession(user, phone), { discard: true })
    }
    const overLimit = limits.maxActiveGroups !== Unlimited && review.activeGroups > limits.maxActiveGroups
    const removed = overLimit ? yield* groups.trimToPlan(userId) : []
    if (removed.length > 0) yield* watched.sync(userId)
    if (!sessionEnded && removed.length === 0) return yield* warn(review, plan, now)

    const lapsedPlan = subscription.plan === plan ? null : subscription.plan
    const ended = sessionEnded ? review.runningPhones.map(mask) : []
    yield* audit.append({
      userId,
      action: "plan-enforced",
      details: { plan, lapsedPlan, sessionsEnded: ended, groupsDeactivated: removed.map((group) => group.groupId) }
    })
    yield* count("session-ended", ended.length)
    yield* count("group-deactivated", removed.length)
    yield* Effect.logInfo("the plan in force no longer allowed what the seller had").pipe(
      Effect.annotateLogs({ plan, lapsedPlan, sessionsEnded: ended, groupsDeactivated: removed.length })
    )
    if (!(yield* reviews.claimNotice(subscription, "plan-enforced", plan))) return
    yield* notifier.enforced(userId, {
      plan,
      lapsedPlan,
      sessionEnded,
      deactivatedGroups: removed.map((group) => group.title ?? String(group.groupId)),
      groupLimit: limits.maxActiveGroups
    })
  }, (effect, review) => Effect.annotateLogs(effect, { userId: review.subscription.userId }))

  const reconcile = Effect.gen(function*() {
    const now = yield* DateTime.nowAsDate
    const due = yield* reviews.due(new Date(now.getTime() + Duration.toMillis(expiryWarning)))
    yield* Effect.forEach(due, (review) =>
      enforce(review, now).pipe(
        Effect.catchCause((cause) => Effect.logError("could not enforce a seller's plan; trying again next pass", cause))
      ), { concurrency: 4, discard: true })
  }).pipe(Effect.withSpan("PlanEnforcement.reconcile"))

  yield* reconcile.pipe(
    Effect.catchCause((cause) => Effect.logError("the plan check failed; trying again next pass", cause)),
    Effect.repeat(Schedule.spaced(options.interval)),
    Effect.forkScoped
  )

  return PlanEnforcement.of({ reconcile })
})
