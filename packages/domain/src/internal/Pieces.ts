/**
 * Reads one piece of a message: an amount before or after a product, a product alone, or
 * chatter and why; and what an elliptical line takes from the one before it.
 */
import type { ChatterReason, QuantityKind, Reading } from "../OrderParser.ts"
import type { Unit } from "../PriceTable.ts"
import * as Quantity from "../Quantity.ts"
import { fold, singular } from "../Words.ts"
import * as Amount from "./Amount.ts"
import { Money as MoneyRole, Quantity as QuantityRole, type Role } from "./NumberRoles.ts"
import { isFillerWord, type Range } from "./Segments.ts"
import { Num, Sym, type Token, Word } from "./Tokens.ts"
import { addressWords, notAfterAnd, notProducts, tailStarts } from "./Vocabulary.ts"

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

export interface Context {
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
export const chatter = (reason: ChatterReason, word = ""): Reading => {
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
  (token.kind === Sym && !Amount.isVulgarFraction(token)) || (token.kind === Word && isFillerWord(token.text))

const unreadable = (context: Context, start: number, end: number): Reading => {
  const text = context.message.slice((context.tokens[start] as Token).start, (context.tokens[end - 1] as Token).end)
  return {
    _tag: "Unreadable",
    line: { text, quantity: Quantity.one, unit: null, product: text, quantityGiven: true }
  }
}

/** Reads one segment: an amount before or after a product, a product alone, or chatter and why. */
export const readRange = (context: Context, range: Range): { readonly reading: Reading; readonly ellipsis?: string } => {
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

export const lineText = (context: Context, start: number, end: number): string =>
  context.message.slice((context.tokens[start] as Token).start, (context.tokens[end - 1] as Token).end)

/**
 * `1 de batata` after `1 kg de cebola` is a kilo; `1 de queijo` after `2 pastel de carne` is a
 * pastel, and `2 sem gás` after `2 águas com gás` are águas: the line before gives what is left out.
 */
export const inherit = (reading: Reading, previous: Reading | undefined, ellipsis: string): Reading => {
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
