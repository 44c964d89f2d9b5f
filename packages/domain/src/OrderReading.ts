/**
 * Reads a group message against a seller's table: whether it is an order, which of its lines
 * are priced or must be checked, and why every other piece is chatter.
 */
import { talkWords } from "./internal/Vocabulary.ts"
import type * as OrderParser from "./OrderParser.ts"
import { segments } from "./OrderParser.ts"
import type { MatchResult, ProductMatcher } from "./ProductMatcher.ts"
import { isDigit, terms } from "./Words.ts"

/** Why a piece read against the table is still not a line of the order. */
export type TableReason = "NoQuantityNotOnTable" | "NumberNotOnTable" | "NotAnOrder"

/** What became of one piece of a message. */
export type Verdict =
  | { readonly _tag: "Line"; readonly line: OrderParser.LineFields; readonly result: MatchResult }
  | { readonly _tag: "Unreadable"; readonly line: OrderParser.LineFields }
  | { readonly _tag: "Chatter"; readonly reason: OrderParser.ChatterReason | TableReason; readonly word: string }

export interface ReadSegment {
  readonly segment: OrderParser.Segment
  readonly verdict: Verdict
}

export interface MessageReading {
  readonly isOrder: boolean
  readonly segments: ReadonlyArray<ReadSegment>
}

const isFound = (result: MatchResult): boolean => result._tag !== "NotFound"

/** A line without a quantity holds a word that could be a product (`brigadeiro`), not only talk (`Pago no pix`). */
const namesSomething = (product: string): boolean =>
  terms(product).some((term) => !talkWords.has(term) && !isDigit(term.charCodeAt(0)))

const tableChatter = (reason: TableReason): Verdict => ({ _tag: "Chatter", reason, word: "" })

/**
 * Reads a message against the table. It is an order when a line gives a quantity of a product
 * on the table, or a quantity in digits before something the table lacks (`2 coxinhas`). Then
 * its lines are those with a quantity before the product, lines with a bare number after a
 * product or after other words when the table has the product (`sonho 3`), and lines without
 * a quantity that name a product on the table or are a line of a list (`brigadeiro`).
 */
export const read = (matcher: ProductMatcher, message: string): MessageReading => {
  const pieces = segments(message)
  if (!pieces.some(({ reading }) => reading._tag === "Line" && reading.kind !== "Assumed")) {
    return notAnOrder(pieces.map((segment) => ({ segment, verdict: verdictOf(segment, undefined, false) })))
  }
  const quantifiedSentences = new Set<number>()
  const statedSentences = new Set<number>()
  let listLines = 0
  for (const { reading, sentence, standalone } of pieces) {
    if (reading._tag !== "Line") continue
    if (standalone) listLines++
    if (reading.kind !== "Assumed") quantifiedSentences.add(sentence)
    if (reading.kind === "Stated") statedSentences.add(sentence)
  }
  let isOrder = false
  const read: Array<ReadSegment> = pieces.map((segment) => {
    const { reading, sentence, standalone } = segment
    if (reading._tag !== "Line") return { segment, verdict: verdictOf(segment, undefined, false) }
    const couldBeKept = reading.kind !== "Assumed" || standalone || quantifiedSentences.has(sentence)
    const result = couldBeKept ? matcher.match(reading.line) : undefined
    const found = result !== undefined && isFound(result)
    if (found && (reading.kind !== "AfterWords" || statedSentences.has(sentence))) isOrder ||= reading.kind !== "Assumed"
    if (!found && reading.kind === "Stated" && reading.inDigits) isOrder = true
    return { segment, verdict: verdictOf(segment, result, listLines >= 2) }
  })
  return isOrder ? { isOrder, segments: read } : notAnOrder(read)
}

/** A message that is not an order: its lines are chatter too. */
const notAnOrder = (read: ReadonlyArray<ReadSegment>): MessageReading => {
  const verdict = tableChatter("NotAnOrder")
  return {
    isOrder: false,
    segments: read.map((piece) => piece.verdict._tag === "Chatter" ? piece : { segment: piece.segment, verdict })
  }
}

const verdictOf = (segment: OrderParser.Segment, result: MatchResult | undefined, isList: boolean): Verdict => {
  const { reading } = segment
  if (reading._tag === "Chatter") return { _tag: "Chatter", reason: reading.reason, word: reading.word }
  if (reading._tag === "Unreadable") return reading
  if (result === undefined) return tableChatter(reading.kind === "Assumed" ? "NoQuantityNotOnTable" : "NotAnOrder")
  if (isFound(result) || reading.kind === "Stated") return { _tag: "Line", line: reading.line, result }
  if (reading.kind !== "Assumed") return tableChatter("NumberNotOnTable")
  const isListItem = segment.standalone && isList && !reading.header && namesSomething(reading.line.product)
  return isListItem ? { _tag: "Line", line: reading.line, result } : tableChatter("NoQuantityNotOnTable")
}

/** The lines of an order, in order, each matched or unreadable; none when the message is not an order. */
export const orderLines = (reading: MessageReading): Array<Exclude<Verdict, { readonly _tag: "Chatter" }>> => {
  if (!reading.isOrder) return []
  const lines: Array<Exclude<Verdict, { readonly _tag: "Chatter" }>> = []
  for (const { verdict } of reading.segments) if (verdict._tag !== "Chatter") lines.push(verdict)
  return lines
}
