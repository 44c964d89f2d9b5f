/**
 * The groups a seller has Vigia watch: activation checks the plan's limit inside the same
 * transaction as the insert, under a lock on the user, so concurrent requests cannot exceed it;
 * a plan that allows fewer groups trims them the same way.
 */
import { Plan, Unlimited } from "@vigia/domain/Plan"
import { canActivateGroup, canUseAdvancedFeatures, effectiveLimits, type PlanRefusal } from "@vigia/domain/Subscription"
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "./AuditLog.ts"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { Subscription } from "./Subscriptions.ts"
import { UserId, UserNotFound } from "./UserId.ts"

export class ActiveGroup extends Schema.Class<ActiveGroup>("@vigia/control/data/ActiveGroup")({
  userId: UserId,
  /** Telegram's chat id (supergroups are below -10^12, beyond 32 bits). */
  groupId: SafeIntFromInt8,
  title: Schema.NullOr(Schema.String),
  /** Whether Vigia answers orders in the group from the seller's account (advanced plans). */
  autoReply: Schema.Boolean,
  activatedAt: Schema.Date
}) {}

/** The plan allows no more active groups; `message` tells the seller why, in Portuguese. */
export class PlanLimitReached extends Schema.TaggedError<PlanLimitReached>()("PlanLimitReached", {
  plan: Plan,
  limit: Schema.Int,
  message: Schema.String
}) {}

export class AdvancedFeaturesNotAllowed extends Schema.TaggedError<AdvancedFeaturesNotAllowed>()(
  "AdvancedFeaturesNotAllowed",
  { plan: Plan, message: Schema.String }
) {}

export class GroupNotActive extends Schema.TaggedError<GroupNotActive>()("GroupNotActive", {
  groupId: Schema.Int,
  message: Schema.String
}) {}

export class ActiveGroupsError extends Schema.TaggedError<ActiveGroupsError>()("ActiveGroupsError", {
  reason: Schema.Union([UserNotFound, PlanLimitReached, AdvancedFeaturesNotAllowed, GroupNotActive])
}) {}

const decodeGroup = Schema.decodeUnknownEffect(ActiveGroup)
const decodeGroups = Schema.decodeUnknownEffect(Schema.Array(ActiveGroup))
const decodeSubscription = Schema.decodeUnknownEffect(Subscription)
const decodeCount = Schema.decodeUnknownEffect(Schema.Struct({ count: SafeIntFromInt8 }))

const refused = (refusal: PlanRefusal) =>
  new ActiveGroupsError({
    reason: refusal.reason === "GroupLimitReached"
      ? new PlanLimitReached({ plan: refusal.plan, limit: refusal.limit ?? 0, message: refusal.message })
      : new AdvancedFeaturesNotAllowed({ plan: refusal.plan, message: refusal.message })
  })

const notActive = (groupId: number) =>
  new ActiveGroupsError({
    reason: new GroupNotActive({ groupId, message: "Esse grupo não está ativo no Vigia." })
  })

export interface GroupToActivate {
  readonly groupId: number
  readonly title: string | null
}

export class ActiveGroups extends Context.Service<ActiveGroups, {
  readonly list: (userId: UserId) => Effect.Effect<ReadonlyArray<ActiveGroup>, DatabaseError>
  /** The group if the user has it active (what the event processor asks of each message). */
  readonly find: (userId: UserId, groupId: number) => Effect.Effect<Option.Option<ActiveGroup>, DatabaseError>
  /** Activates a group within the plan's limit; activating an already active group only refreshes its title. */
  readonly activate: (
    userId: UserId,
    group: GroupToActivate
  ) => Effect.Effect<ActiveGroup, ActiveGroupsError | DatabaseError>
  readonly deactivate: (userId: UserId, groupId: number) => Effect.Effect<void, ActiveGroupsError | DatabaseError>
  /** Turns automatic replies on (advanced plans only) or off. */
  readonly setAutoReply: (
    userId: UserId,
    groupId: number,
    enabled: boolean
  ) => Effect.Effect<ActiveGroup, ActiveGroupsError | DatabaseError>
  /**
   * Deactivates the groups beyond the limit of the plan in force, keeping the ones activated most recently, each
   * audited; the groups deactivated, oldest first (none when the plan allows them all).
   */
  readonly trimToPlan: (userId: UserId) => Effect.Effect<ReadonlyArray<ActiveGroup>, ActiveGroupsError | DatabaseError>
}>()("@vigia/control/data/ActiveGroups") {
  static readonly layer = Layer.effect(
    ActiveGroups,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog

      /** The user's subscription, read fresh with the user's row locked until the transaction ends. */
      const lockedTerms = (userId: UserId) =>
        Effect.gen(function*() {
          const [row] = yield* sql`
            SELECT s.* FROM users u JOIN subscriptions s ON s.user_id = u.id
            WHERE u.id = ${userId}
            FOR UPDATE OF u`
          if (row === undefined) {
            return yield* new ActiveGroupsError({ reason: new UserNotFound({ message: `no user with id ${userId}` }) })
          }
          return (yield* decodeSubscription(row)).terms
        })

      const list = Effect.fn("ActiveGroups.list")(function*(userId: UserId) {
        return yield* decodeGroups(
          yield* sql`SELECT * FROM active_groups WHERE user_id = ${userId} ORDER BY activated_at, group_id`
        )
      }, orDatabaseError)

      const find = Effect.fn("ActiveGroups.find")(function*(userId: UserId, groupId: number) {
        const [row] = yield* sql`SELECT * FROM active_groups WHERE user_id = ${userId} AND group_id = ${groupId}`
        return row === undefined ? Option.none() : Option.some(yield* decodeGroup(row))
      }, orDatabaseError)

      const activate = Effect.fn("ActiveGroups.activate")(function*(userId: UserId, group: GroupToActivate) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          const terms = yield* lockedTerms(userId)
          const now = yield* DateTime.nowAsDate
          const [already] = yield* sql`
            UPDATE active_groups SET title = ${group.title}
            WHERE user_id = ${userId} AND group_id = ${group.groupId}
            RETURNING *`
          if (already !== undefined) return yield* decodeGroup(already)
          const { count } = yield* decodeCount(
            (yield* sql`SELECT count(*) AS count FROM active_groups WHERE user_id = ${userId}`)[0]
          )
          yield* Effect.mapError(canActivateGroup(terms, now, count), refused)
          const [row] = yield* sql`
            INSERT INTO active_groups (user_id, group_id, title, activated_at)
            VALUES (${userId}, ${group.groupId}, ${group.title}, ${now})
            RETURNING *`
          yield* audit.append({
            userId,
            action: "group-activated",
            details: { groupId: group.groupId, title: group.title }
          })
          return yield* decodeGroup(row)
        }))
      }, orDatabaseError)

      const deactivate = Effect.fn("ActiveGroups.deactivate")(function*(userId: UserId, groupId: number) {
        yield* sql.withTransaction(Effect.gen(function*() {
          const [row] = yield* sql`
            DELETE FROM active_groups WHERE user_id = ${userId} AND group_id = ${groupId} RETURNING group_id`
          if (row === undefined) return yield* notActive(groupId)
          yield* audit.append({ userId, action: "group-deactivated", details: { groupId } })
        }))
      }, orDatabaseError)

      const setAutoReply = Effect.fn("ActiveGroups.setAutoReply")(
        function*(userId: UserId, groupId: number, enabled: boolean) {
          return yield* sql.withTransaction(Effect.gen(function*() {
            if (enabled) {
              const terms = yield* lockedTerms(userId)
              yield* Effect.mapError(canUseAdvancedFeatures(terms, yield* DateTime.nowAsDate), refused)
            }
            const [row] = yield* sql`
              UPDATE active_groups SET auto_reply = ${enabled}
              WHERE user_id = ${userId} AND group_id = ${groupId}
              RETURNING *`
            if (row === undefined) return yield* notActive(groupId)
            yield* audit.append({ userId, action: "auto-reply-changed", details: { groupId, enabled } })
            return yield* decodeGroup(row)
          }))
        },
        orDatabaseError
      )

      const trimToPlan = Effect.fn("ActiveGroups.trimToPlan")(function*(userId: UserId) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          const max = effectiveLimits(yield* lockedTerms(userId), yield* DateTime.nowAsDate).maxActiveGroups
          if (max === Unlimited) return []
          const removed = yield* decodeGroups(yield* sql`
            DELETE FROM active_groups WHERE user_id = ${userId} AND group_id NOT IN (
              SELECT group_id FROM active_groups WHERE user_id = ${userId}
              ORDER BY activated_at DESC, group_id DESC LIMIT ${max})
            RETURNING *`)
          yield* Effect.forEach(removed, (group) =>
            audit.append({
              userId,
              action: "group-deactivated",
              details: { groupId: group.groupId, reason: "plan-limit", limit: max }
            }), { discard: true })
          return [...removed].sort((a, b) => a.activatedAt.getTime() - b.activatedAt.getTime() || a.groupId - b.groupId)
        }))
      }, orDatabaseError)

      return ActiveGroups.of({ list, find, activate, deactivate, setAutoReply, trimToPlan })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
