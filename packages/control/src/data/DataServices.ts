/**
 * Every service over the control plane's PostgreSQL, as one layer: what `main` runs over the migrated
 * database, and what tests run over a fresh one.
 */
import { Layer } from "effect"
import { ActiveGroups } from "./ActiveGroups.ts"
import { AuditLog } from "./AuditLog.ts"
import { Conversations } from "./Conversations.ts"
import { PriceTables } from "./PriceTables.ts"
import { ProcessedMessages } from "./ProcessedMessages.ts"
import { Sessions } from "./Sessions.ts"
import { Subscriptions } from "./Subscriptions.ts"
import { Users } from "./Users.ts"

export const layer = Layer.mergeAll(
  Users.layer,
  Subscriptions.layer,
  ActiveGroups.layer,
  PriceTables.layer,
  Sessions.layer,
  ProcessedMessages.layer,
  AuditLog.layer,
  Conversations.layer
)
