/**
 * A price table indexed once for matching: each name and alias as terms, what each product
 * is called, its sizes and the words its name says it is without (`Água sem gás`), and maps
 * from words, their one-letter deletions and prefixes to the names that hold them.
 */
import type { PriceItem } from "../PriceTable.ts"
import { isDigit, termsAndSpan } from "../Words.ts"
import { describingWords, genericWords, rewrite } from "./Meanings.ts"
import { deletions, type Entry, similarity, type Typed } from "./Scoring.ts"
import { type Size, sizeOf } from "./UnitFit.ts"

/** The index of the first word that says what a product is: not generic, not describing, not a size; or -1. */
export const headOf = (words: ReadonlyArray<string>): number =>
  words.findIndex((word) => !genericWords.has(word) && !describingWords.has(word) && !isDigit(word.charCodeAt(0)))

/**
 * A name's or typed text's terms, other names rewritten, the words after `sem` apart, and how
 * many of the rest come before the first `de` (`span`).
 */
export const split = (text: string) => {
  const read = termsAndSpan(text)
  const all = rewrite(read.terms)
  const positive: Array<string> = []
  const negated: Array<string> = []
  let span = 0
  for (let at = 0; at < all.length; at++) {
    const term = all[at] as string
    if (term === "sem" && all[at + 1] !== undefined) negated.push(all[++at] as string)
    else positive.push(term)
    if (at < read.span) span = positive.length
  }
  return { positive, negated, span: all === read.terms ? span : positive.length }
}

const push = (index: Map<string, Array<number>>, key: string, entry: number) => {
  const list = index.get(key)
  if (list === undefined) index.set(key, [entry])
  else if (list[list.length - 1] !== entry) list.push(entry)
}

export interface TableIndex {
  readonly entries: ReadonlyArray<Entry>
  readonly distinctTerms: ReadonlyArray<string>
  /** The entry of each product's own name (not an alias). */
  readonly nameEntries: ReadonlyArray<Entry | undefined>
  readonly sizes: ReadonlyArray<ReadonlyArray<Size>>
  /** Words a product's name says it is without (`Água sem gás` → `gas`). */
  readonly without: ReadonlyArray<ReadonlySet<string>>
  /** Whether any name or alias of the product has the word, or a typo of it. */
  readonly has: (product: number, word: string) => boolean
  /**
   * The entries worth scoring: those the typed head reaches (as the same word; failing that, a
   * typo or an abbreviation) and those whose own head is another word typed before any `de`
   * (`queijo mussarela`), since no other name can score; when there is no head or it reaches no
   * name (`refri 2 litros`, `coa-cola lata`), those any word before a `de` reaches; and names
   * that start with the typed words joined (`cocacola`). `headFound` says which.
   */
  readonly candidates: (typed: Typed) => { readonly entries: Array<number>; readonly headFound: boolean }
}

export const make = (items: ReadonlyArray<PriceItem>): TableIndex => {
  const entries: Array<Entry> = []
  const byTerm = new Map<string, Array<number>>()
  const byDeletion = new Map<string, Array<number>>()
  const byPrefix = new Map<string, Array<number>>()
  const byHead = new Map<string, Array<number>>()
  const termIds = new Map<string, number>()
  const distinctTerms: Array<string> = []
  const productTerms = items.map(() => new Set<string>())
  const without = items.map(() => new Set<string>())
  const sizes: Array<Array<Size>> = items.map(() => [])
  const nameEntries: Array<Entry | undefined> = items.map(() => undefined)
  const termId = (term: string): number => {
    const known = termIds.get(term)
    if (known !== undefined) return known
    distinctTerms.push(term)
    termIds.set(term, distinctTerms.length - 1)
    return distinctTerms.length - 1
  }

  const add = (product: number, name: string) => {
    const { negated, positive: nameTerms } = split(name)
    for (const term of negated) without[product]?.add(term)
    if (nameTerms.length === 0) return
    const entry = entries.length
    const head = Math.max(0, headOf(nameTerms))
    const weights = nameTerms.map((_, index) => index === head ? 2 : 1)
    const compact = nameTerms.join("")
    const termIds = nameTerms.map(termId)
    entries.push({ product, terms: nameTerms, termIds, compact, head, weights, weightSum: nameTerms.length + 1 })
    nameEntries[product] ??= entries[entry]
    push(byHead, nameTerms[head] as string, entry)
    for (const term of nameTerms) {
      productTerms[product]?.add(term)
      const size = sizeOf(term)
      if (size !== undefined) sizes[product]?.push(size)
      push(byTerm, term, entry)
      if (term.length >= 4 && !isDigit(term.charCodeAt(0))) {
        push(byDeletion, term, entry)
        if (term.length >= 5) for (const deleted of deletions(term)) push(byDeletion, deleted, entry)
      }
      for (let length = 3; length < term.length; length++) push(byPrefix, term.slice(0, length), entry)
    }
    for (let length = 4; length <= compact.length; length++) push(byPrefix, compact.slice(0, length), entry)
  }
  items.forEach((item, product) => {
    for (const name of [item.name, ...item.aliases]) add(product, name)
  })

  const seen = new Int32Array(entries.length)
  let generation = 0
  const candidates = (typed: Typed) => {
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
    const head = typed.terms[typed.head]
    if (head !== undefined) reach(head, collect)
    const headFound = found.length > 0
    if (headFound) {
      for (let index = 0; index < typed.span; index++) if (index !== typed.head) collect(byHead.get(typed.terms[index] as string))
    } else for (let index = 0; index < typed.span; index++) reach(typed.terms[index] as string, collect)
    if (typed.compact.length >= 4) collect(byPrefix.get(typed.compact))
    return { entries: found, headFound }
  }

  /** The names a typed word reaches: as itself; failing that, as an abbreviation or with one typo. */
  const reach = (term: string, collect: (list: ReadonlyArray<number> | undefined) => void) => {
    const exact = byTerm.get(term)
    collect(exact)
    if (exact !== undefined) return
    if (term.length >= 3) collect(byPrefix.get(term))
    if (term.length >= 4 && !isDigit(term.charCodeAt(0))) {
      collect(byDeletion.get(term))
      if (term.length >= 5) for (const deleted of deletions(term)) collect(byDeletion.get(deleted))
    }
  }

  const has = (product: number, word: string): boolean => {
    const known = productTerms[product]
    if (known === undefined || known.has(word)) return known !== undefined
    for (const term of known) if (similarity(word, term) >= 0.85) return true
    return false
  }

  return { entries, distinctTerms, nameEntries, sizes, without, has, candidates }
}
