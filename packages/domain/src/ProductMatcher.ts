/**
 * Finds the product an order line names in a seller's table (accents, plurals, aliases, small
 * typos, joined or split words, sizes), preferring the product whose name starts with the typed
 * word and, among equals, its most common meaning; says why of every decision.
 */
import { describingWords, genericWords, isStandardKind, variantWords } from "./internal/Meanings.ts"
import { type Entry, makeScorer, similarity, type Typed } from "./internal/Scoring.ts"
import * as TableIndex from "./internal/TableIndex.ts"
import { quantityFor, sizeOf } from "./internal/UnitFit.ts"
import type { OrderLine } from "./OrderParser.ts"
import type { PriceItem } from "./PriceTable.ts"
import type * as Quantity from "./Quantity.ts"
import { isSizeTerm } from "./Words.ts"

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

/** The product fits, but the line's quantity does not say how much of it (`2 kg` of a product sold by the box, `3 tomates`). */
export interface UnitMismatch {
  readonly _tag: "UnitMismatch"
  readonly item: PriceItem
}

export interface NotFound {
  readonly _tag: "NotFound"
}

export type MatchResult = Matched | Ambiguous | UnitMismatch | NotFound

/** A product a line could name: its score, and why it was set aside if it was. */
export interface Candidate {
  readonly item: PriceItem
  readonly score: number
  readonly setAside: string | null
}

/** How a line was matched: the words compared, the candidates, and the rule that decided. */
export interface MatchExplanation {
  readonly terms: ReadonlyArray<string>
  readonly candidates: ReadonlyArray<Candidate>
  readonly decision: string
  readonly result: MatchResult
}

export type Line = Pick<OrderLine, "product" | "quantity" | "unit">

export interface ProductMatcher {
  readonly items: ReadonlyArray<PriceItem>
  readonly match: (line: Line) => MatchResult
  readonly explain: (line: Line) => MatchExplanation
}

/** The score a product needs; candidates this close to the best are as good as the best. */
const threshold = 0.55
const ambiguityMargin = 0.05
/** The weight of a generic or describing word typed, against 1 for the others. */
const lightWeight = 0.25

const notFound: NotFound = { _tag: "NotFound" }

interface Prepared extends Typed {
  /** Words typed after `sem` (`água sem gás`): a product with them is another product. */
  readonly negated: ReadonlyArray<string>
  readonly variants: ReadonlyArray<string>
  readonly sizes: ReadonlyArray<string>
}

const prepare = (product: string): Prepared => {
  const { negated, positive, span } = TableIndex.split(product)
  const weights = new Float64Array(positive.length)
  let variants: Array<string> | undefined
  let sizes: Array<string> | undefined
  positive.forEach((term, index) => {
    weights[index] = genericWords.has(term) || describingWords.has(term) ? lightWeight : 1
    if (variantWords.has(term)) (variants ??= []).push(term)
    if (isSizeTerm(term)) (sizes ??= []).push(term)
  })
  return {
    terms: positive,
    weights,
    compact: positive.join(""),
    head: TableIndex.headOf(positive),
    span,
    negated,
    variants: variants ?? [],
    sizes: sizes ?? []
  }
}

interface Ranked {
  readonly product: number
  readonly score: number
  readonly setAside: string | null
}

/**
 * Indexes a table once (terms, their one-letter deletions for typos, prefixes for
 * abbreviations, joined names for `cocacola`/`coca cola`); `match` then scores the few
 * candidates the index gives, never the whole table.
 */
export const make = (items: ReadonlyArray<PriceItem>): ProductMatcher => {
  const table = TableIndex.make(items)
  const scorer = makeScorer(table.distinctTerms)
  /** The best score of each product in the current match, valid where its stamp is the current match's. */
  const productBest = new Float64Array(items.length)
  const productStamp = new Int32Array(items.length)
  let generation = 0

  /** Why a product that scored is not what was typed: a variant it lacks, a word typed after `sem`, another size. */
  const setAsideReason = (product: number, typed: Prepared): string | null => {
    for (const variant of typed.variants) if (!table.has(product, variant)) return `"${variant}" is not in its name`
    for (const word of typed.negated) {
      if (table.has(product, word) && table.without[product]?.has(word) !== true) return `it has "${word}", "sem ${word}" was typed`
    }
    for (const size of typed.sizes) {
      const wanted = sizeOf(size)
      const sold = (table.sizes[product] ?? []).filter((known) => known.base === wanted?.base)
      if (sold.length > 0 && !sold.some((known) => known.amount === wanted?.amount)) return `its size is not ${size}`
    }
    return null
  }

  const checksSetAside = (typed: Prepared) => typed.variants.length + typed.negated.length + typed.sizes.length > 0

  const rank = (typed: Prepared): Array<Ranked> => {
    if (typed.terms.length === 0) return []
    const { entries, headFound } = table.candidates(typed)
    scorer.start(headFound ? typed : { ...typed, head: -1 })
    generation++
    const scored: Array<number> = []
    for (const index of entries) {
      const entry = table.entries[index] as Entry
      const { product } = entry
      const score = scorer.score(entry)
      if (score < threshold) continue
      if (productStamp[product] !== generation) {
        productStamp[product] = generation
        productBest[product] = score
        scored.push(product)
      } else if (score > (productBest[product] as number)) productBest[product] = score
    }
    const checks = checksSetAside(typed)
    const ranked = scored.map((product): Ranked => ({
      product,
      score: productBest[product] as number,
      setAside: checks ? setAsideReason(product, typed) : null
    }))
    return ranked.length > 1 ? ranked.sort((a, b) => b.score - a.score) : ranked
  }

  /** Whether the product's name is the typed head plus only qualifiers of its standard kind (`Pão francês` for `pão`). */
  const isCommonMeaning = (typed: Prepared, product: number): boolean => {
    const head = typed.terms[typed.head]
    const name = table.nameEntries[product]
    if (head === undefined || name === undefined || similarity(head, name.terms[name.head] ?? "") < 0.85) return false
    return name.terms.every((term, index) =>
      index === name.head || isSizeTerm(term) || isStandardKind(head, term) ||
      typed.terms.some((word) => similarity(word, term) >= 0.85)
    )
  }

  const decide = (line: Line, typed: Prepared, ranked: ReadonlyArray<Ranked>): readonly [MatchResult, string] => {
    const top = ranked.find((candidate) => candidate.setAside === null)
    if (top === undefined) {
      return [notFound, ranked.length === 0 ? "no product shares enough words" : "every candidate was set aside"]
    }
    const fitting: Array<readonly [product: number, matched: Matched]> = []
    for (const candidate of ranked) {
      if (candidate.score < top.score - ambiguityMargin) break
      if (candidate.setAside !== null) continue
      const item = items[candidate.product] as PriceItem
      const quantity = quantityFor(line, item, table.sizes[candidate.product] ?? [])
      if (quantity !== undefined) fitting.push([candidate.product, { _tag: "Matched", item, quantity, score: candidate.score }])
    }
    const topItem = items[top.product] as PriceItem
    const first = fitting[0]
    if (first === undefined) {
      return [{ _tag: "UnitMismatch", item: topItem }, `the quantity does not say how much ${topItem.name} (sold by ${topItem.unit})`]
    }
    if (fitting.length === 1) return [first[1], "best score"]
    const common = fitting.filter(([product]) => isCommonMeaning(typed, product))
    if (common.length === 1 && common[0] !== undefined) {
      return [common[0][1], `the most common meaning of "${typed.terms[typed.head] ?? ""}"`]
    }
    const candidates = fitting.slice(0, 3).map(([, rival]) => rival.item)
    return [{ _tag: "Ambiguous", candidates }, "several products score about the same"]
  }

  const match = (line: Line): MatchResult => {
    const typed = prepare(line.product)
    return decide(line, typed, rank(typed))[0]
  }

  const explain = (line: Line): MatchExplanation => {
    const typed = prepare(line.product)
    const ranked = rank(typed)
    const [result, decision] = decide(line, typed, ranked)
    return {
      terms: [...typed.terms, ...typed.negated.map((word) => `sem ${word}`)],
      candidates: ranked.map(({ product, score, setAside }) => ({ item: items[product] as PriceItem, score, setAside })),
      decision,
      result
    }
  }

  return { items, match, explain }
}
