/**
 * The events concern as one layer: every account's updates read and acted on, the groups' orders recorded in the
 * ledger and handed to the delivery, the sessions' events told to their sellers through the `SellerNotifier` port
 * (the bot implements it).
 */
import { Layer } from "effect"
import { EventProcessor } from "./EventProcessor.ts"
import { PurchaseHandler } from "./PurchaseHandler.ts"
import { SessionEvents } from "./SessionEvents.ts"

export const layer = EventProcessor.layer.pipe(Layer.provideMerge(Layer.merge(PurchaseHandler.layer, SessionEvents.layer)))
