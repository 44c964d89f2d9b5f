/**
 * Finds the product an order line names in a seller's table (accents, plurals, aliases,
 * small typos, joined or split words), by best score over a threshold, once indexed.
 */
import type { OrderLine } from "./OrderParser.ts"
import type { PriceItem, Unit } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import { fold, isDigit, terms } from "./Words.ts"

/** The product found, and the line's quantity in the product's unit. */
export interface Matched {
  readonly _tag: "Matched"
  readonly item: PriceItem
  readonly quantity: Quantity.Quantity
  readonly score: number
}

/** Several products fit about equally well: the seller has to tell which. */
export interface Ambiguous {
  readonly _tag: "Ambiguous"
  readonly candidates: ReadonlyArray<PriceItem>
}

/** The product fits, but is sold in a unit the line's unit does not convert to (`2 kg` of a product sold by the box). */
export interface UnitMismatch {
  readonly _tag: "UnitMismatch"
  readonly item: PriceItem
}

export interface NotFound {
  readonly _tag: "NotFound"
}

export type MatchResult = Matched | Ambiguous | UnitMismatch | NotFound

export interface ProductMatcher {
  readonly items: ReadonlyArray<PriceItem>
  readonly match: (line: Pick<OrderLine, "product" | "quantity" | "unit">) => MatchResult
}

/** A product's name or one of its aliases, pre-normalised. */
interface Entry {
  readonly product: number
  readonly terms: ReadonlyArray<string>
  /** `terms` as indexes into the table's distinct terms, so similarities are computed once per match. */
  readonly termIds: ReadonlyArray<number>
  readonly compact: string
}

/** Half the typed words must be recognised, and the score must reach this. */
const minimumCoverage = 0.5
const threshold = 0.55
/** Candidates this close to the best are as good as the best. */
const ambiguityMargin = 0.05
/** Generic words (`refrigerante coca`) count little when typed: the brand or kind says more. */
const genericWords: ReadonlySet<string> = new Set(["refrigerante", "refri", "bebida", "produto", "item"])
const genericWeight = 0.25

const typedWeight = (term: string): number => genericWords.has(term) ? genericWeight : 1

const notFound: NotFound = { _tag: "NotFound" }

const push = (index: Map<string, Array<number>>, key: string, entry: number) => {
  const list = index.get(key)
  if (list === undefined) index.set(key, [entry])
  else if (list[list.length - 1] !== entry) list.push(entry)
}

const deletions = (word: string): Array<string> => {
  const result: Array<string> = []
  for (let index = 0; index < word.length; index++) result.push(word.slice(0, index) + word.slice(index + 1))
  return result
}

/** Whether `a` becomes `b` by at most one insertion, deletion, substitution or swap of neighbours. */
const withinOneEdit = (a: string, b: string): boolean => {
  if (Math.abs(a.length - b.length) > 1) return false
  let start = 0
  while (start < a.length && start < b.length && a.charCodeAt(start) === b.charCodeAt(start)) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--
    endB--
  }
  const restA = endA - start
  const restB = endB - start
  if (restA <= 1 && restB <= 1) return true
  return restA === 2 && restB === 2 && a.charAt(start) === b.charAt(start + 1) && a.charAt(start + 1) === b.charAt(start)
}

/** How well a typed term stands for a name term: same word, a typo of it, or its abbreviation. */
const similarity = (typed: string, name: string): number => {
  if (typed === name) return 1
  if (isDigit(typed.charCodeAt(0)) || isDigit(name.charCodeAt(0))) return 0
  if (typed.length >= 5 && name.length >= 5 && withinOneEdit(typed, name)) return 0.85
  if (typed.length >= 3 && name.length > typed.length && name.startsWith(typed)) {
    return 0.6 + 0.2 * (typed.length / name.length)
  }
  return 0
}

/** How many of `terms` the first `length` characters of their concatenation span exactly, or 0 if they end inside a term. */
const termsSpanned = (terms: ReadonlyArray<string>, length: number): number => {
  let remaining = length
  for (let count = 0; count < terms.length; count++) {
    if (remaining === 0) return count
    remaining -= (terms[count] as string).length
    if (remaining < 0) return 0
  }
  return terms.length
}

/** The canonical size a quantity and unit name in a product name: `2l`, `1,5l` and `1500ml` all say `1500ml`. */
const sizeKey = (quantity: Quantity.Quantity, unit: Unit): string => {
  const base: Unit = unit === "kg" ? "g" : unit === "l" ? "ml" : unit
  const inBase = Quantity.convert(quantity, unit, base)
  return inBase === undefined ? "" : `${Quantity.format(inBase)}${base}`
}

const sizePattern = /(\d+(?:[.,]\d+)?)\s*(kg|kgs|kilos?|quilos?|g|gr|gramas?|l|lt|litros?|ml)\b/g

const sizesIn = (name: string): Array<string> => {
  const sizes: Array<string> = []
  for (const match of fold(name).matchAll(sizePattern)) {
    const quantity = Quantity.fromDecimal(match[1] ?? "")
    const unit = Quantity.unitOf(match[2] ?? "")
    if (quantity !== undefined && unit !== undefined) sizes.push(sizeKey(quantity, unit))
  }
  return sizes
}

/**
 * Indexes a table once (terms, their one-letter deletions for typos, prefixes for
 * abbreviations, joined names for `cocacola`/`coca cola`); `match` then looks at the few
 * candidates the index gives, never at the whole table.
 */
export const make = (items: ReadonlyArray<PriceItem>): ProductMatcher => {
  const entries: Array<Entry> = []
  const byTerm = new Map<string, Array<number>>()
  const byDeletion = new Map<string, Array<number>>()
  const byPrefix = new Map<string, Array<number>>()
  const sizes = items.map((item) => new Set(sizesIn(item.name)))
  const termIds = new Map<string, number>()
  const distinctTerms: Array<string> = []
  const termId = (term: string): number => {
    const known = termIds.get(term)
    if (known !== undefined) return known
    distinctTerms.push(term)
    termIds.set(term, distinctTerms.length - 1)
    return distinctTerms.length - 1
  }

  items.forEach((item, product) => {
    for (const name of [item.name, ...item.aliases]) {
      const nameTerms = terms(name)
      if (nameTerms.length === 0) continue
      const entry = entries.length
      const compact = nameTerms.join("")
      entries.push({ product, terms: nameTerms, termIds: nameTerms.map(termId), compact })
      for (const term of nameTerms) {
        push(byTerm, term, entry)
        if (term.length >= 5 && !isDigit(term.charCodeAt(0))) {
          push(byDeletion, term, entry)
          for (const deleted of deletions(term)) push(byDeletion, deleted, entry)
        }
        for (let length = 3; length < term.length; length++) push(byPrefix, term.slice(0, length), entry)
      }
      for (let length = 4; length <= compact.length; length++) push(byPrefix, compact.slice(0, length), entry)
    }
  })

  const seen = new Int32Array(entries.length)
  let generation = 0

  const candidates = (typed: ReadonlyArray<string>, typedCompact: string): Array<number> => {
    generation++
    const found: Array<number> = []
    const collect = (list: ReadonlyArray<number> | undefined) => {
      if (list === undefined) return
      for (const entry of list) {
        if (seen[entry] !== generation) {
          seen[entry] = generation
          found.push(entry)
        }
      }
    }
    for (const term of typed) {
      collect(byTerm.get(term))
      if (term.length >= 3) collect(byPrefix.get(term))
      if (term.length >= 5 && !isDigit(term.charCodeAt(0))) {
        collect(byDeletion.get(term))
        for (const deleted of deletions(term)) collect(byDeletion.get(deleted))
      }
    }
    if (typedCompact.length >= 4) collect(byPrefix.get(typedCompact))
    return found
  }

  /**
   * The line's quantity in the item's unit, if its unit converts (or names the item's size).
   * With no unit typed it is the item's unit, except that a bare count of a product sold by
   * the dozen counts items (`6 ovos` is half a dozen). `un` also counts boxes and packets.
   */
  const quantityFor = (line: Pick<OrderLine, "quantity" | "unit">, item: PriceItem, product: number) => {
    const unit = line.unit ?? (item.unit === "dz" ? "un" : item.unit)
    if (unit === "un" && (item.unit === "cx" || item.unit === "pct")) return line.quantity
    const converted = Quantity.convert(line.quantity, unit, item.unit)
    if (converted !== undefined) return converted
    const isSize = Quantity.isMeasure(unit) && !Quantity.isMeasure(item.unit) &&
      sizes[product]?.has(sizeKey(line.quantity, unit)) === true
    return isSize ? Quantity.one : undefined
  }

  /** `similarity(typed[i], distinctTerms[id])`, memoised for the current match in `memo[id * typed.length + i]`. */
  const memoStamp = new Int32Array(distinctTerms.length)
  let memo = new Float64Array(0)
  let best = new Float64Array(0)
  let covered = new Float64Array(0)

  /** The entry's score for the typed terms (0.7 × share of typed words found + 0.3 × share of the name's words typed), or -1 below the coverage needed. */
  const scoreEntry = (typed: ReadonlyArray<string>, weights: Float64Array, typedCompact: string, entry: Entry) => {
    const count = typed.length
    const names = entry.terms
    if (covered.length < names.length) covered = new Float64Array(names.length * 2)
    best.fill(0, 0, count)
    covered.fill(0, 0, names.length)
    for (let j = 0; j < names.length; j++) {
      const id = entry.termIds[j] as number
      if (memoStamp[id] !== generation) {
        memoStamp[id] = generation
        for (let i = 0; i < count; i++) memo[id * count + i] = similarity(typed[i] as string, names[j] as string)
      }
      const name = names[j] as string
      const next = names[j + 1]
      for (let i = 0; i < count; i++) {
        let s = memo[id * count + i] as number
        const term = typed[i] as string
        if (next !== undefined && term.length === name.length + next.length && term.startsWith(name) && term.endsWith(next)) {
          s = 1
          covered[j + 1] = 1
        }
        if (s > (best[i] as number)) best[i] = s
        if (s > (covered[j] as number)) covered[j] = s
      }
    }
    let typedSum = 0
    let typedWeights = 0
    for (let i = 0; i < count; i++) {
      typedSum += (best[i] as number) * (weights[i] as number)
      typedWeights += weights[i] as number
    }
    let nameSum = 0
    for (let j = 0; j < names.length; j++) nameSum += covered[j] as number
    const coverage = typedSum / typedWeights
    const tokenScore = coverage >= minimumCoverage ? 0.7 * coverage + 0.3 * (nameSum / names.length) : -1
    const spanned = typedCompact.length >= 4 && entry.compact.startsWith(typedCompact)
      ? termsSpanned(names, typedCompact.length)
      : 0
    return spanned > 0 ? Math.max(tokenScore, 0.7 + 0.3 * (spanned / names.length)) : tokenScore
  }

  const match = (line: Pick<OrderLine, "product" | "quantity" | "unit">): MatchResult => {
    const typed = terms(line.product)
    if (typed.length === 0) return notFound
    const typedCompact = typed.join("")
    const weights = Float64Array.from(typed, typedWeight)
    if (best.length < typed.length) best = new Float64Array(typed.length * 2)
    if (memo.length < distinctTerms.length * typed.length) memo = new Float64Array(distinctTerms.length * typed.length * 2)
    const bestByProduct = new Map<number, number>()
    for (const entry of candidates(typed, typedCompact)) {
      const { product } = entries[entry] as Entry
      const score = scoreEntry(typed, weights, typedCompact, entries[entry] as Entry)
      if (score >= threshold && score > (bestByProduct.get(product) ?? 0)) bestByProduct.set(product, score)
    }
    if (bestByProduct.size === 0) return notFound
    const ranked = [...bestByProduct].sort((a, b) => b[1] - a[1])
    const bestScore = ranked[0]?.[1] ?? 0
    const rivals: Array<Matched> = []
    for (const [product, score] of ranked) {
      if (score < bestScore - ambiguityMargin) break
      const item = items[product] as PriceItem
      const quantity = quantityFor(line, item, product)
      if (quantity !== undefined) rivals.push({ _tag: "Matched", item, quantity, score })
    }
    const [first, ...others] = rivals
    if (first === undefined) return { _tag: "UnitMismatch", item: items[ranked[0]?.[0] ?? 0] as PriceItem }
    if (others.length > 0) return { _tag: "Ambiguous", candidates: rivals.slice(0, 3).map((rival) => rival.item) }
    return first
  }

  return { items, match }
}
