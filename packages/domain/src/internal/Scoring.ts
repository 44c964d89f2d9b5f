/**
 * How well typed words fit one name or alias of a product: each typed word's best likeness
 * to a name word (same word, one typo, an abbreviation), the share of the name they cover
 * (its head, the first word, counting double), and joined spellings (`cocacola`).
 */
import { isDigit } from "../Words.ts"

/** A product's name or one of its aliases, pre-normalised. */
export interface Entry {
  readonly product: number
  readonly terms: ReadonlyArray<string>
  /** `terms` as indexes into the table's distinct terms, so similarities are computed once per match. */
  readonly termIds: ReadonlyArray<number>
  readonly compact: string
  /** The index of the head, the term that says what the product is. */
  readonly head: number
  /** Each term's weight in the share of the name typed: the head counts double. */
  readonly weights: ReadonlyArray<number>
  readonly weightSum: number
}

/** What one match scores against: the typed terms, their weights, and which of them is the head. */
export interface Typed {
  readonly terms: ReadonlyArray<string>
  readonly weights: Float64Array
  readonly compact: string
  /** The index of the first typed term that says what the product is (not generic, not a size), or -1. */
  readonly head: number
  /**
   * How many typed terms come before the first `de` (all when there is none): those name the
   * product (`queijo mussarela`), those after it say of what (`esfiha de carne`).
   */
  readonly span: number
}

/** Half the typed words must be recognised. */
const minimumCoverage = 0.5

/** Whether `a` becomes `b` by at most one insertion, deletion, substitution or swap of neighbours. */
export const withinOneEdit = (a: string, b: string): boolean => {
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

export const deletions = (word: string): Array<string> => {
  const result: Array<string> = []
  for (let index = 0; index < word.length; index++) result.push(word.slice(0, index) + word.slice(index + 1))
  return result
}

/** How well a typed term stands for a name term: same word, a typo of it, or its abbreviation. */
export const similarity = (typed: string, name: string): number => {
  if (typed === name) return 1
  if (isDigit(typed.charCodeAt(0)) || isDigit(name.charCodeAt(0))) return 0
  if (Math.min(typed.length, name.length) >= 4 && Math.max(typed.length, name.length) >= 5 && withinOneEdit(typed, name)) {
    return 0.85
  }
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

/**
 * A scorer over a table's distinct terms, reused across matches: `start` a typed product,
 * then `score` its candidate entries (0.7 × share of typed words found + 0.3 × share of the
 * name typed; or -1 below the coverage needed, or when the name has neither the typed head nor
 * its own head among the words typed before any `de`, or, with no head to go by, none of those words).
 */
export const makeScorer = (distinctTerms: ReadonlyArray<string>) => {
  const memoStamp = new Int32Array(distinctTerms.length)
  let stamp = 0
  let memo = new Float64Array(0)
  let best = new Float64Array(0)
  let covered = new Float64Array(0)
  let typed: Typed = { terms: [], weights: new Float64Array(0), compact: "", head: -1, span: 0 }

  const start = (next: Typed) => {
    typed = next
    stamp++
    const count = next.terms.length
    if (best.length < count) best = new Float64Array(count * 2)
    if (memo.length < distinctTerms.length * count) memo = new Float64Array(distinctTerms.length * count * 2)
  }

  const score = (entry: Entry): number => {
    const count = typed.terms.length
    const names = entry.terms
    if (covered.length < names.length) covered = new Float64Array(names.length * 2)
    best.fill(0, 0, count)
    covered.fill(0, 0, names.length)
    for (let j = 0; j < names.length; j++) {
      const id = entry.termIds[j] as number
      const name = names[j] as string
      if (memoStamp[id] !== stamp) {
        memoStamp[id] = stamp
        for (let i = 0; i < count; i++) memo[id * count + i] = similarity(typed.terms[i] as string, name)
      }
      const next = names[j + 1]
      for (let i = 0; i < count; i++) {
        let s = memo[id * count + i] as number
        const term = typed.terms[i] as string
        if (next !== undefined && term.length === name.length + next.length && term.startsWith(name) && term.endsWith(next)) {
          s = 1
          covered[j + 1] = 1
        }
        if (s > (best[i] as number)) best[i] = s
        if (s > (covered[j] as number)) covered[j] = s
      }
    }
    if (typed.head >= 0 ? best[typed.head] === 0 && !namesHead(entry) : !coversSpan()) return -1
    let typedSum = 0
    let typedWeights = 0
    for (let i = 0; i < count; i++) {
      typedSum += (best[i] as number) * (typed.weights[i] as number)
      typedWeights += typed.weights[i] as number
    }
    let nameSum = 0
    for (let j = 0; j < names.length; j++) nameSum += (covered[j] as number) * (entry.weights[j] as number)
    const coverage = typedSum / typedWeights
    const tokenScore = coverage >= minimumCoverage ? 0.7 * coverage + 0.3 * (nameSum / entry.weightSum) : -1
    const spanned = typed.compact.length >= 4 && entry.compact.startsWith(typed.compact)
      ? termsSpanned(names, typed.compact.length)
      : 0
    return spanned > 0 ? Math.max(tokenScore, 0.7 + 0.3 * (spanned / names.length)) : tokenScore
  }

  /** Whether the entry last scored has a word typed before any `de` (`esfiha de carne` does not name `Carne moída`). */
  const coversSpan = (): boolean => {
    for (let i = 0; i < typed.span; i++) if ((best[i] as number) > 0) return true
    return false
  }

  /** Whether a typed term before any `de` is the entry's head (`queijo mussarela` names `Mussarela`). */
  const namesHead = (entry: Entry): boolean => {
    const id = entry.termIds[entry.head] as number
    const count = typed.terms.length
    for (let i = 0; i < typed.span; i++) if ((memo[id * count + i] as number) >= 0.85) return true
    return false
  }

  return { start, score }
}
