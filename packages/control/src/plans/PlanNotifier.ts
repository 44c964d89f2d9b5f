/**
 * What the periodic plan check tells a seller: that their paid plan ends soon, and what it stopped when the plan in
 * force no longer allowed it. The bot implements it.
 */
import type { Plan } from "@vigia/domain/Plan"
import { Context, type Effect } from "effect"
import type { UserId } from "../data/UserId.ts"

/** What the check did for a plan that no longer allows what the seller had. */
export interface PlanEnforced {
  /** The plan in force now. */
  readonly plan: Plan
  /** The paid plan that expired or was deactivated, if that is why; none for a plan changed to a smaller one. */
  readonly lapsedPlan: Plan | null
  /** Whether the seller's Telegram account was disconnected and its session ended. */
  readonly sessionEnded: boolean
  /** The titles of the groups deactivated, beyond the plan's limit. */
  readonly deactivatedGroups: ReadonlyArray<string>
  /** The plan's limit of active groups. */
  readonly groupLimit: number
}

export class PlanNotifier extends Context.Service<PlanNotifier, {
  /** The seller's paid plan ends at `expiresAt`. */
  readonly expiringSoon: (userId: UserId, plan: Plan, expiresAt: Date) => Effect.Effect<void>
  readonly enforced: (userId: UserId, notice: PlanEnforced) => Effect.Effect<void>
}>()("@vigia/control/plans/PlanNotifier") {}
