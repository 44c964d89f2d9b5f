/**
 * The plans concern as one layer: the periodic check that enforces each seller's plan, configured from
 * `PlansConfig`. It needs the data layer, the sessions' public services and the bot's `PlanNotifier`.
 */
import * as PlansConfig from "../config/PlansConfig.ts"
import { PlanEnforcement } from "./PlanEnforcement.ts"

export const layer = PlanEnforcement.layerConfig(PlansConfig.enforcement)
