/**
 * `/exportar`'s file: the orders as semicolon CSV with decimal commas (as `/tabela csv` writes it), one row per item
 * line, the order's date, group, customer and total on each, so a spreadsheet can filter and sum them.
 */
import * as Csv from "@vigia/domain/Csv"
import * as Quantity from "@vigia/domain/Quantity"
import type { PastOrder } from "../data/OrderHistory.ts"
import { messageLink } from "../delivery/OrderReports.ts"
import { dayAt, display, timeAt } from "./OrderPeriods.ts"
import * as OrderHistoryTexts from "./OrderHistoryTexts.ts"

/** `1,5`: a quantity as a spreadsheet in pt-BR reads it (a fraction such as 5/12 rounded to three decimals). */
export const quantityCell = (quantity: Quantity.Quantity) => {
  const text = Quantity.format(quantity)
  return text.includes("/") ? (quantity.numerator / quantity.denominator).toFixed(3).replace(".", ",") : text
}

const rowsOf = (order: PastOrder, timeZone: string): ReadonlyArray<ReadonlyArray<string>> => {
  const common = (item: string, quantity: string, unit: string, unitPrice: string, lineTotal: string) => [
    display(dayAt(order.orderedAt, timeZone)),
    timeAt(order.orderedAt, timeZone),
    order.groupTitle,
    order.customerName,
    item,
    quantity,
    unit,
    unitPrice,
    lineTotal,
    Csv.amount(order.quote.total),
    order.reportState === "undelivered" ? OrderHistoryTexts.csvUndelivered : OrderHistoryTexts.csvDelivered,
    messageLink(order.chatId, order.messageId) ?? ""
  ]
  return [
    ...order.quote.priced.map((line) =>
      common(line.item.name, quantityCell(line.quantity), line.item.unit, Csv.amount(line.unitPrice), Csv.amount(line.total))
    ),
    // A line not priced is kept as typed, without prices: the customer asked for it.
    ...order.quote.unmatched.map((line) => common(line.line.text, quantityCell(line.line.quantity), line.line.unit ?? "", "", ""))
  ]
}

/** The orders as the CSV `/exportar` sends, their times in `timeZone`. */
export const toCsv = (orders: ReadonlyArray<PastOrder>, timeZone: string): string =>
  Csv.document(OrderHistoryTexts.csvHeader, orders.flatMap((order) => rowsOf(order, timeZone)))
