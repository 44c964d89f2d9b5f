/**
 * Orders as the history reads them back, for the unit tests of what `/pedidos` and `/exportar` make of them: a small
 * price table, a supergroup and a basic group.
 */
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { PastOrder } from "../../src/data/OrderHistory.ts"

const table = PriceTableParser.parse(`
Coca-Cola 2L = 9,50
Pão de queijo = 1,20
Pastel de carne = 7,00
Carne moída = 39,90 / kg
`).items
const matcher = ProductMatcher.make(table)

export const feira = -1002001009001
export const vizinhos = -4001
let nextServerId = 1

/** An order of 30/11/2026, 14:05 in São Paulo unless told otherwise. */
export const pastOrder = (text: string, fields: Partial<ConstructorParameters<typeof PastOrder>[0]> = {}) =>
  new PastOrder({
    chatId: feira,
    messageId: (nextServerId++) * 2 ** 20,
    groupTitle: "Feira de Sábado",
    customerName: "Carlos Cliente",
    quote: Quote.fromMessage(matcher, text),
    reportState: "reported",
    orderedAt: new Date("2026-11-30T17:05:00Z"),
    ...fields
  })

