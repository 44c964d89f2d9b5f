/**
 * The delivery concern as one layer: the outbox that delivers every order of the ledger (its group reply, its
 * seller's report). It needs the data, the sessions' gateway, and the `OrderReports` port the bot implements.
 */
import * as DeliveryConfig from "../config/DeliveryConfig.ts"
import { OrderDelivery } from "./OrderDelivery.ts"

export const layer = OrderDelivery.layerConfig(DeliveryConfig.delivery)
