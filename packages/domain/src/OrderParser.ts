/**
 * Reads order lines (quantity, unit, product text) out of a free-text group message
 * (`2x coca, 1,5kg de carne e meia dúzia de ovos`), and says of every other piece why it is
 * chatter (a question, an address, a time, money, a phone number…). Never throws.
 */
import { Schema } from "effect"
import * as Amount from "./internal/Amount.ts"
import { Money as MoneyRole, numberRoles, Quantity as QuantityRole, type Role } from "./internal/NumberRoles.ts"
import { cut, isFillerWord, type Range } from "./internal/Segments.ts"
import { Num, Sym, type Token, tokenize, Word } from "./internal/Tokens.ts"
import { addressWords, notAfterAnd, notProducts, tailStarts } from "./internal/Vocabulary.ts"
import { Unit } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import { fold, singular } from "./Words.ts"

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

/** Longer "lines" are prose, not order lines. */
const maxProductTokens = 10

const connectors: ReadonlySet<string> = new Set(["de", "do", "da", "dos", "das"])

/** After a quantity, words that leave the product's head to the line before (`2 pastel de carne e 1 de queijo`, `… e 2 sem gás`). */
const ellipsisWords: ReadonlySet<string> = new Set([...connectors, "com", "sem"])
const headEnd = / (?:de|do|da|dos|das|com|sem) /

const roleReasons: Record<Role, ChatterReason> = {
  0: "NoProduct",
  1: "Phone",
  2: "Money",
  3: "Time",
  4: "DateOrScore",
  5: "Address",
  6: "Label"
}

const isVulgarFraction = (token: Token) => token.text === "½" || token.text === "¼" || token.text === "¾"

/** Where the product's name ends: before words about whom, where or when, or a number that is not a quantity. */
const productEnd = (tokens: ReadonlyArray<Token>, roles: Uint8Array, from: number, end: number): number => {
  for (let at = from + 1; at < end; at++) {
    const token = tokens[at] as Token
    const next = tokens[at + 1]
    if (token.kind === Num && roles[at] !== QuantityRole) return at
    if (token.kind !== Word) continue
    if (tailStarts.has(token.text)) return at
    if (token.text === "e" && next?.kind === Word && notAfterAnd.has(next.text)) return at
    if (addressWords.has(token.text) && next?.kind === Num) return at
  }
  return end
}

interface Context {
  readonly message: string
  readonly tokens: ReadonlyArray<Token>
  readonly roles: Uint8Array
}

const firstNumberRole = (context: Context, start: number, end: number): Role => {
  for (let at = start; at < end; at++) {
    const role = context.roles[at] as Role
    if (context.tokens[at]?.kind === Num && role !== QuantityRole) return role
  }
  return QuantityRole
}

const plainChatter = new Map<ChatterReason, Reading>()

/** Chatter for a reason; those without a word are shared, being immutable. */
const chatter = (reason: ChatterReason, word = ""): Reading => {
  if (word !== "") return { _tag: "Chatter", reason, word }
  const known = plainChatter.get(reason)
  if (known !== undefined) return known
  const made: Reading = { _tag: "Chatter", reason, word }
  plainChatter.set(reason, made)
  return made
}

/** Reads the product at `[from, end)` after an amount (or none), or says why there is none. */
const readProduct = (
  context: Context,
  range: Range,
  span: { readonly start: number; readonly from: number; readonly end: number; readonly textEnd: number },
  amount: { readonly quantity: Quantity.Quantity; readonly unit: Unit | null; readonly inDigits: boolean },
  kind: QuantityKind
): Reading => {
  const { message, roles, tokens } = context
  const { end, from, start, textEnd } = span
  let productStop = productEnd(tokens, roles, from, end)
  while (productStop > from && isTrimmed(tokens[productStop - 1] as Token)) productStop--
  if (from >= productStop) return chatter("NoProduct")
  const first = tokens[from] as Token
  if (first.kind !== Word) return chatter("NoProduct")
  if (notProducts.has(singular(first.text))) return chatter("NotAProduct", first.text)
  if (productStop - from > maxProductTokens) return chatter("Prose")
  if (isPrice(context, productStop, end)) return chatter("Money")
  const last = tokens[productStop - 1] as Token
  const tailEnd = (tokens[end - 1] as Token).end
  return {
    _tag: "Line",
    line: {
      text: lineText(context, start, textEnd),
      quantity: amount.quantity,
      unit: amount.unit,
      product: message.slice(first.start, last.end),
      quantityGiven: kind !== "Assumed"
    },
    kind,
    inDigits: amount.inDigits,
    header: range.header,
    ignored: productStop < end ? message.slice((tokens[productStop] as Token).start, tailEnd) : "",
    inherited: null
  }
}

/** `… por 5 reais` after a product: its price, said by whoever sells it, not a quantity ordered. */
const isPrice = (context: Context, from: number, end: number): boolean => {
  if (context.tokens[from]?.text !== "por") return false
  for (let at = from + 1; at < end && at <= from + 3; at++) {
    if (context.tokens[at]?.kind === Num) return context.roles[at] === MoneyRole
  }
  return false
}

const isTrimmed = (token: Token): boolean =>
  (token.kind === Sym && !isVulgarFraction(token)) || (token.kind === Word && isFillerWord(token.text))

const unreadable = (context: Context, start: number, end: number): Reading => {
  const text = context.message.slice((context.tokens[start] as Token).start, (context.tokens[end - 1] as Token).end)
  return {
    _tag: "Unreadable",
    line: { text, quantity: Quantity.one, unit: null, product: text, quantityGiven: true }
  }
}

/** Reads one segment: an amount before or after a product, a product alone, or chatter and why. */
const readRange = (context: Context, range: Range): { readonly reading: Reading; readonly ellipsis?: string } => {
  const { roles, tokens } = context
  let start = range.start
  let end = range.end
  if (tokens[start]?.kind === Num && tokens[start + 1]?.text === ")") start += 2
  while (start < end && isTrimmed(tokens[start] as Token)) start++
  while (end > start && isTrimmed(tokens[end - 1] as Token)) end--
  if (start === end) return { reading: chatter("Courtesy") }
  const role = tokens[start]?.kind === Num ? roles[start] as Role : QuantityRole
  if (role !== QuantityRole) return { reading: chatter(roleReasons[role]) }

  const leading = Amount.leading(tokens, start)
  if (leading === Amount.Unreadable) return { reading: unreadable(context, start, end) }
  if (leading !== undefined) {
    const spanRole = firstNumberRole(context, start, start + leading.length)
    if (spanRole !== QuantityRole) return { reading: chatter(roleReasons[spanRole]) }
    let from = start + leading.length
    const next = tokens[from]
    const ellipsis = leading.unit === null && next?.kind === Word && ellipsisWords.has(next.text) ? next.text : undefined
    while (from < end && (isTrimmed(tokens[from] as Token) || connectors.has(tokens[from]?.text ?? ""))) from++
    const kind = range.split ? "AfterWords" : "Stated"
    const reading = readProduct(context, range, { start, from, end, textEnd: end }, leading, kind)
    return ellipsis === undefined ? { reading } : { reading, ellipsis }
  }
  const trailing = Amount.trailing(tokens, end)
  if (trailing !== undefined) {
    const spanRole = firstNumberRole(context, end - trailing.length, end)
    if (spanRole !== QuantityRole) return { reading: chatter(roleReasons[spanRole]) }
    let productStop = end - trailing.length
    while (productStop > start && isTrimmed(tokens[productStop - 1] as Token)) productStop--
    const kind = trailing.stated ? "Stated" : range.split ? "AfterWords" : "Trailing"
    return { reading: readProduct(context, range, { start, from: start, end: productStop, textEnd: end }, trailing, kind) }
  }
  const otherRole = firstNumberRole(context, start, end)
  if (otherRole !== QuantityRole) return { reading: chatter(roleReasons[otherRole]) }
  const none = { quantity: Quantity.one, unit: null, inDigits: false }
  return { reading: readProduct(context, range, { start, from: start, end, textEnd: end }, none, "Assumed") }
}

const lineText = (context: Context, start: number, end: number): string =>
  context.message.slice((context.tokens[start] as Token).start, (context.tokens[end - 1] as Token).end)

/**
 * `1 de batata` after `1 kg de cebola` is a kilo; `1 de queijo` after `2 pastel de carne` is a
 * pastel, and `2 sem gás` after `2 águas com gás` are águas: the line before gives what is left out.
 */
const inherit = (reading: Reading, previous: Reading | undefined, ellipsis: string): Reading => {
  if (reading._tag !== "Line" || previous?._tag !== "Line") return reading
  const before = previous.line
  if (connectors.has(ellipsis) && reading.line.unit === null && before.unit !== null && Quantity.isMeasure(before.unit)) {
    return { ...reading, line: { ...reading.line, unit: before.unit }, inherited: "unit" }
  }
  const head = fold(before.product).search(headEnd)
  if (head <= 0) return reading
  const rest = fold(reading.line.product).startsWith(`${ellipsis} `) ? reading.line.product : `${ellipsis} ${reading.line.product}`
  return { ...reading, line: { ...reading.line, product: `${before.product.slice(0, head)} ${rest}` }, inherited: "product" }
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
