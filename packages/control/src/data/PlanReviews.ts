/**
 * What the periodic plan check reads and records: the sellers whose plan may no longer allow what they have (a
 * session meant to run, active groups) or whose paid plan ends soon, and the notices each was given, once per
 * version of their subscription.
 */
import type { Plan } from "@vigia/domain/Plan"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { Subscription } from "./Subscriptions.ts"

/** A seller to review: the subscription as stored now, how many groups are active, which sessions are meant to run. */
export interface PlanReview {
  readonly subscription: Subscription
  readonly activeGroups: number
  readonly runningPhones: ReadonlyArray<PhoneNumber>
}

export const PlanNoticeKind = Schema.Literals(["expiry-warning", "plan-enforced"])
export type PlanNoticeKind = typeof PlanNoticeKind.Type

const decodeSubscription = Schema.decodeUnknownEffect(Subscription)
const decodeCounts = Schema.decodeUnknownEffect(Schema.Struct({
  activeGroups: SafeIntFromInt8,
  runningPhones: Schema.Array(PhoneNumber)
}))

/** A row of `due`: the subscription's columns, with the seller's count of groups and running sessions beside them. */
const decodeReview = (row: unknown) =>
  Effect.gen(function*() {
    const subscription = yield* decodeSubscription(row)
    const { activeGroups, runningPhones } = yield* decodeCounts(row)
    return { subscription, activeGroups, runningPhones } satisfies PlanReview
  })

export class PlanReviews extends Context.Service<PlanReviews, {
  /**
   * Every seller with a session meant to run or an active group, and every seller whose plan ends between now and
   * `warnUntil` who was not warned of it yet.
   */
  readonly due: (warnUntil: Date) => Effect.Effect<ReadonlyArray<PlanReview>, DatabaseError>
  /**
   * Records that the seller is told `kind` about this version of their subscription (its `updatedAt`) and the plan in
   * force then; false when they were told already.
   */
  readonly claimNotice: (
    subscription: Subscription,
    kind: PlanNoticeKind,
    plan: Plan
  ) => Effect.Effect<boolean, DatabaseError>
}>()("@vigia/control/data/PlanReviews") {
  static readonly layer = Layer.effect(
    PlanReviews,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const due = Effect.fn("PlanReviews.due")(function*(warnUntil: Date) {
        const now = yield* DateTime.nowAsDate
        const rows = yield* sql`
          SELECT s.*,
            (SELECT count(*) FROM active_groups g WHERE g.user_id = s.user_id) AS active_groups,
            ARRAY(SELECT x.phone_number FROM sessions x
                  WHERE x.user_id = s.user_id AND x.desired_state = 'running' ORDER BY x.phone_number) AS running_phones
          FROM subscriptions s
          WHERE EXISTS (SELECT 1 FROM sessions x WHERE x.user_id = s.user_id AND x.desired_state = 'running')
            OR EXISTS (SELECT 1 FROM active_groups g WHERE g.user_id = s.user_id)
            OR (s.plan <> 'free' AND s.is_active AND s.expires_at > ${now} AND s.expires_at <= ${warnUntil}
                AND NOT EXISTS (SELECT 1 FROM plan_notices n
                                WHERE n.user_id = s.user_id AND n.kind = 'expiry-warning' AND n.terms_version = s.updated_at))
          ORDER BY s.user_id`
        return yield* Effect.forEach(rows, decodeReview)
      }, orDatabaseError)

      const claimNotice = Effect.fn("PlanReviews.claimNotice")(
        function*(subscription: Subscription, kind: PlanNoticeKind, plan: Plan) {
          const now = yield* DateTime.nowAsDate
          const claimed = yield* sql`
            INSERT INTO plan_notices (user_id, kind, terms_version, plan, told_at)
            VALUES (${subscription.userId}, ${kind}, ${subscription.updatedAt}, ${plan}, ${now})
            ON CONFLICT DO NOTHING
            RETURNING user_id`
          return claimed.length > 0
        },
        orDatabaseError
      )

      return PlanReviews.of({ due, claimNotice })
    })
  )
}
