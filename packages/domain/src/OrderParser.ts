/**
 * Reads order lines (quantity, unit, product text) out of a free-text group message
 * (`2x coca, 1,5kg de carne e meia dúzia de ovos`), and says of every other piece why it is
 * chatter (a question, an address, a time, money, a phone number…). Never throws.
 */
import { Schema } from "effect"
import { numberRoles } from "./internal/NumberRoles.ts"
import { chatter, type Context, inherit, lineText, readRange } from "./internal/Pieces.ts"
import { cut } from "./internal/Segments.ts"
import { tokenize } from "./internal/Tokens.ts"
import { Unit } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import { fold } from "./Words.ts"

/** One line of an order, as typed; `unit` is null when the customer named none (the product's unit applies). */
export class OrderLine extends Schema.Class<OrderLine>("@vigia/domain/OrderLine")({
  text: Schema.String,
  quantity: Quantity.Quantity,
  unit: Schema.NullOr(Unit),
  product: Schema.String,
  /** False for a line of an order that named no quantity: one is assumed. */
  quantityGiven: Schema.Boolean
}) {}

/** An order line's fields, as read; it becomes an `OrderLine` when it enters a quote. */
export type LineFields = ConstructorParameters<typeof OrderLine>[0]

/**
 * How a line's quantity was given: `Stated` before the product or with a unit or `x`;
 * `Trailing`, a bare number after the product (`sonho 3`); `AfterWords`, a quantity that
 * followed other words (`… e minha vizinha quer 1 pão de forma`); `Assumed`, none.
 */
export type QuantityKind = "Stated" | "Trailing" | "AfterWords" | "Assumed"

/** Why a piece of a message is not an order line. */
export type ChatterReason =
  | "Courtesy"
  | "Question"
  | "Phone"
  | "Money"
  | "Time"
  | "DateOrScore"
  | "Address"
  | "Label"
  | "NotAProduct"
  | "NoProduct"
  | "Prose"

export type Reading =
  | {
    readonly _tag: "Line"
    readonly line: LineFields
    readonly kind: QuantityKind
    /** The quantity was written with digits. */
    readonly inDigits: boolean
    /** The piece ended with `:` (`Meu pedido:`). */
    readonly header: boolean
    /** Words after the product that were left out of it (`pras 7h amanhã`). */
    readonly ignored: string
    /** Taken from the line before: `1 kg de cebola e 1 de batata`, `2 pastel de carne e 1 de queijo`. */
    readonly inherited: "unit" | "product" | null
  }
  | { readonly _tag: "Unreadable"; readonly line: LineFields }
  | { readonly _tag: "Chatter"; readonly reason: ChatterReason; readonly word: string }

/** A piece of a message and how it was read. */
export interface Segment {
  readonly text: string
  /** The message line it is on (from 0), and its sentence. */
  readonly line: number
  readonly sentence: number
  /** The only piece with content on its line (a line of a list). */
  readonly standalone: boolean
  readonly reading: Reading
}

/** Every piece of a message and how it was read, in order. */
export const segments = (message: string): Array<Segment> => {
  const tokens = tokenize(fold(message))
  const roles = numberRoles(tokens, message)
  const { ranges, sentences } = cut(tokens, roles)
  const context: Context = { message, tokens, roles }
  const read: Array<Reading> = []
  let previous: Reading | undefined
  for (const range of ranges) {
    const { ellipsis, reading: asRead } = sentences[range.sentence]?.inquiry === true
      ? { reading: chatter("Question") }
      : readRange(context, range)
    const reading = ellipsis === undefined ? asRead : inherit(asRead, previous, ellipsis)
    if (reading._tag === "Line") previous = reading
    read.push(reading)
  }
  const contentOnLine = new Int32Array((ranges[ranges.length - 1]?.line ?? 0) + 1)
  ranges.forEach((range, index) => {
    const reading = read[index] as Reading
    if (!(reading._tag === "Chatter" && reading.reason === "Courtesy")) contentOnLine[range.line] = (contentOnLine[range.line] ?? 0) + 1
  })
  return ranges.map((range, index) => ({
    text: lineText(context, range.start, range.end),
    line: range.line,
    sentence: range.sentence,
    standalone: contentOnLine[range.line] === 1,
    reading: read[index] as Reading
  }))
}

/**
 * The order lines of a message, read without a price table. A message none of whose lines
 * has a quantity is not an order and yields none; in an order, lines without a quantity are
 * kept with one assumed, so they can be shown. Never throws.
 */
export const parse = (message: string): Array<OrderLine> => {
  const lines: Array<OrderLine> = []
  let isOrder = false
  for (const { reading } of segments(message)) {
    if (reading._tag !== "Line") continue
    lines.push(new OrderLine(reading.line))
    isOrder ||= reading.kind !== "Assumed"
  }
  return isOrder ? lines : []
}
