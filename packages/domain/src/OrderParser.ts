/**
 * Reads order lines (quantity, unit, product text) out of a free-text group message
 * (`2x coca, 1,5kg de carne e meia dúzia de ovos`); chatter yields none, and it never throws.
 */
import { Schema } from "effect"
import { Unit } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import { fillerWords, fold, singular } from "./Words.ts"

/** One line of an order, as typed; `unit` is null when the customer named none (the product's unit applies). */
export class OrderLine extends Schema.Class<OrderLine>("@vigia/domain/OrderLine")({
  text: Schema.String,
  quantity: Quantity.Quantity,
  unit: Schema.NullOr(Unit),
  product: Schema.String,
  /** False for a line of an order that named no quantity: one is assumed. */
  quantityGiven: Schema.Boolean
}) {}

const Num = 0
const Word = 1
const Other = 2

interface Token {
  readonly kind: typeof Num | typeof Word | typeof Other
  readonly text: string
  readonly start: number
  readonly end: number
}

const tokenPattern = /(\d+(?:[.,]\d+)*)|([a-z]+)|(\S)/g

const tokenize = (folded: string): Array<Token> => {
  const tokens: Array<Token> = []
  tokenPattern.lastIndex = 0
  for (let match = tokenPattern.exec(folded); match !== null; match = tokenPattern.exec(folded)) {
    const kind = match[1] !== undefined ? Num : match[2] !== undefined ? Word : Other
    tokens.push({ kind, text: match[0], start: match.index, end: match.index + match[0].length })
  }
  return tokens
}

const half = Quantity.make(1, 2) ?? Quantity.one

const numberWords: ReadonlyMap<string, Quantity.Quantity> = new Map(
  [
    ["um", 1], ["uma", 1], ["dois", 2], ["duas", 2], ["tres", 3], ["quatro", 4], ["cinco", 5], ["seis", 6],
    ["sete", 7], ["oito", 8], ["nove", 9], ["dez", 10], ["onze", 11], ["doze", 12]
  ].map(([word, value]) => [String(word), Quantity.make(Number(value), 1) ?? Quantity.one] as const)
    .concat([["meia", half], ["meio", half]])
)

/** First words that make a "quantity + text" line something other than an order (`5 minutos`, `2 dias`). */
const notProducts: ReadonlySet<string> = new Set([
  "minuto", "min", "hora", "hr", "h", "dia", "semana", "mes", "mese", "ano", "real", "centavo", "conto", "pessoa",
  "vez", "segundo", "seg", "km", "metro", "andar", "numero", "porcento"
])

/** Longer "lines" are prose, not order lines. */
const maxProductTokens = 10

const connectors: ReadonlySet<string> = new Set(["de", "do", "da", "dos", "das"])

/** Laughter: `kkkk`, `hahaha`, `rsrs`. */
const laughter = /^(?:k{3,}|(?:ha|he|hi|rs)+h?)$/

const isFiller = (token: Token): boolean =>
  token.kind === Other || (token.kind === Word && (fillerWords.has(token.text) || laughter.test(token.text)))

const numberAt = (token: Token | undefined): Quantity.Quantity | undefined =>
  token === undefined ? undefined : token.kind === Num ? Quantity.fromDecimal(token.text) : undefined

const unitAt = (token: Token | undefined): Unit | undefined =>
  token?.kind === Word ? Quantity.unitOf(token.text) : undefined

const isTimes = (token: Token | undefined, next: Token | undefined): boolean =>
  token?.kind === Word && token.text === "x" && !(next !== undefined && next.kind === Other && next.start === token.end)

interface Amount {
  readonly quantity: Quantity.Quantity
  readonly unit: Unit | null
  /** Tokens the amount spans. */
  readonly length: number
}

/** `2`, `2x`, `x2`, `2 un`, `1,5kg`, `uma`, `meia duzia`, `duzia`, at `tokens[at]`. */
const leadingAmount = (tokens: ReadonlyArray<Token>, at: number): Amount | undefined => {
  const first = tokens[at]
  if (first === undefined) return undefined
  if (isTimes(first, tokens[at + 1])) {
    const quantity = numberAt(tokens[at + 1])
    return quantity === undefined ? undefined : { quantity, unit: null, length: 2 }
  }
  if (first.kind === Word && first.text === "duzia") return { quantity: Quantity.one, unit: "dz", length: 1 }
  const quantity = numberAt(first) ?? (first.kind === Word ? numberWords.get(first.text) : undefined)
  if (quantity === undefined) return undefined
  const next = tokens[at + 1]
  if (first.kind === Num && isTimes(next, tokens[at + 2])) return { quantity, unit: null, length: 2 }
  const unit = unitAt(next)
  return unit === undefined ? { quantity, unit: null, length: 1 } : { quantity, unit, length: 2 }
}

/** `coca x2`, `coca 2x`, `carne 1,5kg`, `coca 2 un`, `coca 2`, ending at `tokens[end - 1]`. */
const trailingAmount = (tokens: ReadonlyArray<Token>, end: number): Amount | undefined => {
  const last = tokens[end - 1]
  const before = tokens[end - 2]
  const quantity = numberAt(last)
  if (quantity !== undefined) {
    if (isTimes(before, last)) return { quantity, unit: null, length: 2 }
    return quantity.denominator === 1 ? { quantity, unit: null, length: 1 } : undefined
  }
  const counted = numberAt(before)
  if (counted === undefined) return undefined
  if (isTimes(last, undefined)) return { quantity: counted, unit: null, length: 2 }
  const unit = unitAt(last)
  return unit === undefined ? undefined : { quantity: counted, unit, length: 2 }
}

/** A segment read as an order line, or why it is not one. */
type Reading = OrderLine | "NotALine"

const readSegment = (raw: string, folded: string): Reading => {
  const tokens = tokenize(folded)
  let start = 0
  while (start < tokens.length && isFiller(tokens[start] as Token)) start++
  let end = tokens.length
  while (end > start && isFiller(tokens[end - 1] as Token)) end--
  if (start === end) return "NotALine"

  let amount = leadingAmount(tokens, start)
  if (amount !== undefined) {
    start += amount.length
    while (start < end && (isFiller(tokens[start] as Token) || connectors.has((tokens[start] as Token).text))) start++
  } else {
    amount = trailingAmount(tokens, end)
    if (amount !== undefined) {
      end -= amount.length
      while (end > start && isFiller(tokens[end - 1] as Token)) end--
    }
  }
  if (start >= end || end - start > maxProductTokens) return "NotALine"
  const first = tokens[start] as Token
  if (first.kind !== Word || notProducts.has(singular(first.text))) return "NotALine"
  const product = raw.slice(first.start, (tokens[end - 1] as Token).end)
  return new OrderLine({
    text: raw.trim(),
    quantity: amount?.quantity ?? Quantity.one,
    unit: amount?.unit ?? null,
    product,
    quantityGiven: amount !== undefined
  })
}

const numberAhead = "(?:\\d|x\\d|(?:um|uma|dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|meia|meio)\\s)"
/** Newlines, `;`, `,` (not a decimal comma), sentence ends, and ` e ` before a quantity. */
const separators = new RegExp(`\\r?\\n|;|,(?!\\d)|(?<!\\d),|[!?]+|\\.(?=\\s)|\\s+e\\s+(?=${numberAhead})`, "g")

/**
 * The order lines of a message. A message none of whose lines has both a quantity and a
 * product is not an order and yields no lines; in an order, lines without a quantity are
 * kept with one assumed, so they can be shown. Never throws.
 */
export const parse = (message: string): Array<OrderLine> => {
  const folded = fold(message)
  const lines: Array<OrderLine> = []
  let isOrder = false
  let segmentStart = 0
  separators.lastIndex = 0
  const readUpTo = (segmentEnd: number) => {
    if (segmentEnd > segmentStart) {
      const line = readSegment(message.slice(segmentStart, segmentEnd), folded.slice(segmentStart, segmentEnd))
      if (line !== "NotALine") {
        lines.push(line)
        isOrder ||= line.quantityGiven
      }
    }
  }
  for (let match = separators.exec(folded); match !== null; match = separators.exec(folded)) {
    readUpTo(match.index)
    segmentStart = match.index + match[0].length
  }
  readUpTo(folded.length)
  return isOrder ? lines : []
}
