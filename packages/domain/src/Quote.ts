/**
 * A priced order: each line matched to the seller's table and priced to the centavo, the
 * lines that could not be priced kept and shown, the total, and its pt-BR text for the seller.
 */
import { Schema } from "effect"
import * as Money from "./Money.ts"
import * as OrderParser from "./OrderParser.ts"
import * as OrderReading from "./OrderReading.ts"
import { Centavos, PriceItem } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import type { MatchResult, ProductMatcher } from "./ProductMatcher.ts"

/** A line priced: `quantity` is in the item's unit, `total` is `unitPrice × quantity` rounded half up to the centavo. */
export class PricedLine extends Schema.Class<PricedLine>("@vigia/domain/PricedLine")({
  line: OrderParser.OrderLine,
  item: PriceItem,
  quantity: Quantity.Quantity,
  unitPrice: Centavos,
  total: Centavos
}) {}

/** A line that could not be priced, and why; `candidates` are the products it could be (or the one whose unit differs). */
export class UnmatchedLine extends Schema.Class<UnmatchedLine>("@vigia/domain/UnmatchedLine")({
  line: OrderParser.OrderLine,
  reason: Schema.Literals(["NotFound", "Ambiguous", "UnitMismatch", "TooLarge", "Unreadable"]),
  candidates: Schema.Array(PriceItem)
}) {}

export class Quote extends Schema.Class<Quote>("@vigia/domain/Quote")({
  priced: Schema.Array(PricedLine),
  unmatched: Schema.Array(UnmatchedLine),
  total: Centavos
}) {}

/** A line matched against the table, or one whose quantity could not be read. */
type ReadLine = { readonly line: OrderParser.OrderLine; readonly result: MatchResult | "Unreadable" }

const price = (lines: ReadonlyArray<ReadLine>): Quote => {
  const priced: Array<PricedLine> = []
  const unmatched: Array<UnmatchedLine> = []
  let total = 0
  for (const { line, result } of lines) {
    if (result === "Unreadable") {
      unmatched.push(new UnmatchedLine({ line, reason: "Unreadable", candidates: [] }))
      continue
    }
    switch (result._tag) {
      case "Matched": {
        const lineTotal = Money.times(result.item.price, result.quantity)
        if (lineTotal === undefined || !Number.isSafeInteger(total + lineTotal)) {
          unmatched.push(new UnmatchedLine({ line, reason: "TooLarge", candidates: [result.item] }))
        } else {
          total += lineTotal
          priced.push(
            new PricedLine({ line, item: result.item, quantity: result.quantity, unitPrice: result.item.price, total: lineTotal })
          )
        }
        break
      }
      case "Ambiguous":
        unmatched.push(new UnmatchedLine({ line, reason: "Ambiguous", candidates: result.candidates }))
        break
      case "UnitMismatch":
        unmatched.push(new UnmatchedLine({ line, reason: "UnitMismatch", candidates: [result.item] }))
        break
      case "NotFound":
        unmatched.push(new UnmatchedLine({ line, reason: "NotFound", candidates: [] }))
    }
  }
  return new Quote({ priced, unmatched, total: Centavos.make(total) })
}

/** Prices order lines against a seller's table; every line is either priced or kept among the unmatched. */
export const make = (matcher: ProductMatcher, lines: ReadonlyArray<OrderParser.OrderLine>): Quote =>
  price(lines.map((line) => ({ line, result: matcher.match(line) })))

/**
 * Reads a group message against the table and prices it: a message that is not an order
 * gives an empty quote; in an order, every line is priced or listed for the seller to check.
 */
export const fromMessage = (matcher: ProductMatcher, message: string): Quote =>
  price(
    OrderReading.orderLines(OrderReading.read(matcher, message)).map((verdict) => ({
      line: new OrderParser.OrderLine(verdict.line),
      result: verdict._tag === "Unreadable" ? "Unreadable" as const : verdict.result
    }))
  )

/** No line at all: the message was not an order. */
export const isEmpty = (quote: Quote): boolean => quote.priced.length === 0 && quote.unmatched.length === 0

/** `2 un`, `1,5 kg`: a priced line's quantity as the seller reads it (as typed when the item's unit would need a fraction). */
export const quantityText = (priced: PricedLine): string => {
  const inItemUnit = Quantity.format(priced.quantity)
  return inItemUnit.includes("/")
    ? `${Quantity.format(priced.line.quantity)} ${priced.line.unit ?? "un"}`
    : `${inItemUnit} ${priced.item.unit}`
}

const unmatchedText = (unmatched: UnmatchedLine): string => {
  const typed = `"${unmatched.line.text}"`
  const names = unmatched.candidates.map((item) => item.name)
  switch (unmatched.reason) {
    case "NotFound":
      return `• ${typed}: não está na tabela`
    case "Ambiguous":
      return `• ${typed}: pode ser ${names.slice(0, -1).join(", ")} ou ${names.at(-1) ?? ""}`
    case "UnitMismatch":
      return `• ${typed}: ${names[0] ?? ""} é vendido por ${unmatched.candidates[0]?.unit ?? ""}`
    case "TooLarge":
      return `• ${typed}: quantidade grande demais para calcular`
    case "Unreadable":
      return `• ${typed}: não consegui ler a quantidade`
  }
}

/** What the seller reads: one line per priced item, the total, then what needs their attention. */
export const text = (quote: Quote): string => {
  const parts: Array<string> = ["🧾 Pedido"]
  for (const line of quote.priced) {
    parts.push(
      `• ${quantityText(line)} × ${line.item.name} (${Money.format(line.unitPrice)}/${line.item.unit}) = ${
        Money.format(line.total)
      }`
    )
  }
  if (quote.priced.length === 0) parts.push("Nenhum item do pedido foi encontrado na tabela.")
  parts.push(`Total: ${Money.format(quote.total)}`)
  if (quote.unmatched.length > 0) {
    parts.push("", "⚠️ Confira com o cliente (fora do total):")
    for (const line of quote.unmatched) parts.push(unmatchedText(line))
  }
  return parts.join("\n")
}
