/**
 * The retention concern as one layer: the periodic pass that anonymises the order ledger's customer details past
 * `ORDER_RETENTION_DAYS`. It needs the data layer.
 */
import * as SellerDataConfig from "../config/SellerDataConfig.ts"
import { LedgerRetention } from "./LedgerRetention.ts"

export const layer = LedgerRetention.layerConfig(SellerDataConfig.retention)
