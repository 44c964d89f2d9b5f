/**
 * The order delivery's configuration: how long the process that took an order's delivery keeps it to itself
 * (another process takes it over once the lease runs out, as after a crash).
 */
import { Config, Duration } from "effect"
import type { OrderDeliveryOptions } from "../delivery/OrderDelivery.ts"

/** `DELIVERY_LEASE` (default 30 seconds). */
export const delivery: Config.Wrap<OrderDeliveryOptions> = {
  lease: Config.Duration("DELIVERY_LEASE").pipe(Config.withDefault(Duration.seconds(30)))
}
