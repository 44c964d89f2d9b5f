/**
 * The events concern as one layer: every account's updates read and acted on, orders priced and reported
 * through the `SellerNotifier` port (the bot implements it).
 */
import { Layer } from "effect"
import { EventProcessor } from "./EventProcessor.ts"
import { PurchaseHandler } from "./PurchaseHandler.ts"

export const layer = EventProcessor.layer.pipe(Layer.provideMerge(PurchaseHandler.layer))
