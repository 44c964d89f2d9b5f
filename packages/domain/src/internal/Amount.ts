/**
 * Reads the amount at the start or end of an order line: digits, decimals, fractions
 * (`1/2`, `½`), number words (`duas`, `meia`), `x` counts and units written out or
 * abbreviated, with halves added (`1kg e meio`, `uma dúzia e meia`, `1 e 1/2 kg`).
 */
import type { Unit } from "../PriceTable.ts"
import * as Quantity from "../Quantity.ts"
import { isFraction } from "./NumberRoles.ts"
import { half, numberWords } from "./NumberWords.ts"
import { withinOneEdit } from "./Scoring.ts"
import { isSym, isWord, joined, Num, Sym, type Token, Word, wordText } from "./Tokens.ts"

export interface Amount {
  readonly quantity: Quantity.Quantity
  readonly unit: Unit | null
  /** The tokens it spans. */
  readonly length: number
  /** Said with a unit or an `x`, or before the product; a bare number after it is not. */
  readonly stated: boolean
  /** Written with digits (`2`, `1/2`) rather than words (`duas`, `meia`). */
  readonly inDigits: boolean
}

/** Digits where a quantity goes that read as no quantity (`1/0`, `0`, `1,2345`). */
export const Unreadable = "Unreadable"

const vulgarFractions: ReadonlyMap<string, Quantity.Quantity> = new Map([
  ["½", half],
  ["¼", Quantity.make(1, 4) ?? half],
  ["¾", Quantity.make(3, 4) ?? half]
])

/** `½`, `¼` or `¾`. */
export const isVulgarFraction = (token: Token): boolean => token.kind === Sym && vulgarFractions.has(token.text)

const add = (a: Quantity.Quantity, b: Quantity.Quantity): Quantity.Quantity =>
  Quantity.make(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator) ?? a

interface Read {
  readonly quantity: Quantity.Quantity
  readonly length: number
  readonly inDigits: boolean
}

/** `a/b` at `tokens[at]`, with no spaces: a fraction, digits that are no quantity, or nothing. */
const fractionAt = (tokens: ReadonlyArray<Token>, at: number): Read | typeof Unreadable | undefined => {
  const top = tokens[at]
  const slash = tokens[at + 1]
  const bottom = tokens[at + 2]
  if (top?.kind !== Num || !isSym(slash, "/") || !joined(slash) || bottom?.kind !== Num || !joined(bottom)) {
    return undefined
  }
  if (!isFraction(top.text, bottom.text)) return Unreadable
  const quantity = Quantity.make(Number(top.text), Number(bottom.text))
  return quantity === undefined ? Unreadable : { quantity, length: 3, inDigits: true }
}

/** A number at `tokens[at]`: `2`, `1,5`, `1/2`, `1 1/2`, `½`, `duas`, `meia`. */
const numberAt = (tokens: ReadonlyArray<Token>, at: number): Read | typeof Unreadable | undefined => {
  const token = tokens[at]
  if (token === undefined) return undefined
  if (token.kind === Word) {
    const quantity = numberWords.get(token.text)
    return quantity === undefined ? undefined : { quantity, length: 1, inDigits: false }
  }
  if (token.kind === Sym) {
    const quantity = vulgarFractions.get(token.text)
    return quantity === undefined ? undefined : { quantity, length: 1, inDigits: true }
  }
  if (token.kind !== Num) return undefined
  const fraction = fractionAt(tokens, at)
  if (fraction !== undefined) return fraction
  const quantity = Quantity.fromDecimal(token.text)
  if (quantity === undefined) return Unreadable
  const mixed = fractionAt(tokens, at + 1) ?? vulgar(tokens[at + 1])
  return mixed !== undefined && mixed !== Unreadable && quantity.denominator === 1
    ? { quantity: add(quantity, mixed.quantity), length: 1 + mixed.length, inDigits: true }
    : { quantity, length: 1, inDigits: true }
}

const vulgar = (token: Token | undefined): Read | undefined => {
  const quantity = token?.kind === Sym ? vulgarFractions.get(token.text) : undefined
  return quantity === undefined ? undefined : { quantity, length: 1, inDigits: true }
}

/** `meio`, `meia`, `1/2` or `½` after an `e`. */
const halfAt = (tokens: ReadonlyArray<Token>, at: number): Read | undefined => {
  const token = tokens[at]
  if (isWord(token, "meio") || isWord(token, "meia")) return { quantity: half, length: 1, inDigits: false }
  const fraction = fractionAt(tokens, at) ?? vulgar(token)
  return fraction === Unreadable ? undefined : fraction
}

const longUnitWords = [
  "duzia", "duzias", "quilo", "quilos", "kilos", "litro", "litros", "grama", "gramas", "caixa", "caixas", "pacote",
  "pacotes", "unidade", "unidades"
]

/** The unit a word names, allowing one typo in a long unit word (`dusia`). */
export const unitAt = (token: Token | undefined): Unit | undefined => {
  if (token?.kind !== Word) return undefined
  const exact = Quantity.unitOf(token.text)
  if (exact !== undefined || token.text.length < 5) return exact
  const near = longUnitWords.find((word) => withinOneEdit(token.text, word))
  return near === undefined ? undefined : Quantity.unitOf(near)
}

/** `x` as in `2x`, `2 x coca`, `x2`, not the `x` of `x-burguer`. */
export const isTimes = (token: Token | undefined, next: Token | undefined): boolean =>
  isWord(token, "x") && !(next !== undefined && next.kind === Sym && joined(next))

/** The amount that starts at `tokens[at]`, digits there that are no quantity, or nothing. */
export const leading = (tokens: ReadonlyArray<Token>, at: number): Amount | typeof Unreadable | undefined => {
  const first = tokens[at]
  if (isTimes(first, tokens[at + 1])) {
    const count = numberAt(tokens, at + 1)
    return count === undefined || count === Unreadable
      ? count
      : { quantity: count.quantity, unit: null, length: 1 + count.length, stated: true, inDigits: count.inDigits }
  }
  const word = wordText(first)
  if (word === "duzia" || word === "quilo" || word === "kilo") {
    return withHalf(tokens, at + 1, Quantity.one, unitAt(first) ?? null, 1, false)
  }
  const count = numberAt(tokens, at)
  if (count === undefined || count === Unreadable) return count
  let quantity = count.quantity
  let next = at + count.length
  const added = isWord(tokens[next], "e") && count.quantity.denominator === 1 ? halfAt(tokens, next + 1) : undefined
  const afterHalf = added === undefined ? undefined : tokens[next + 1 + added.length]
  if (added !== undefined && (afterHalf?.kind !== Word || isWord(afterHalf, "de") || unitAt(afterHalf) !== undefined)) {
    quantity = add(quantity, added.quantity)
    next += 1 + added.length
  }
  if (tokens[next]?.kind === Word && isTimes(tokens[next], tokens[next + 1])) {
    return { quantity, unit: null, length: next + 1 - at, stated: true, inDigits: count.inDigits }
  }
  const unit = unitAt(tokens[next])
  if (unit === undefined) return { quantity, unit: null, length: next - at, stated: true, inDigits: count.inDigits }
  return withHalf(tokens, next + 1, quantity, unit, next + 1 - at, count.inDigits)
}

/** `… e meio` after a unit adds half of it, unless a new amount starts there (`1 coca e meia dúzia de ovos`). */
const withHalf = (
  tokens: ReadonlyArray<Token>,
  at: number,
  quantity: Quantity.Quantity,
  unit: Unit | null,
  length: number,
  inDigits: boolean
): Amount => {
  const added = isWord(tokens[at], "e") ? halfAt(tokens, at + 1) : undefined
  if (added === undefined || unitAt(tokens[at + 1 + added.length]) !== undefined) {
    return { quantity, unit, length, stated: true, inDigits }
  }
  return { quantity: add(quantity, added.quantity), unit, length: length + 1 + added.length, stated: true, inDigits }
}

/** The amount that ends at `tokens[end - 1]`: `coca x2`, `coca 2x`, `carne 1,5kg`, `coca 2 un`, `coca 2`. */
export const trailing = (tokens: ReadonlyArray<Token>, end: number): Amount | undefined => {
  const last = tokens[end - 1]
  const before = tokens[end - 2]
  const count = last?.kind === Num ? Quantity.fromDecimal(last.text) : undefined
  if (count !== undefined) {
    if (isTimes(before, last)) return { quantity: count, unit: null, length: 2, stated: true, inDigits: true }
    if (isSym(before, "/") || isSym(before, ":")) return undefined
    return count.denominator === 1 ? { quantity: count, unit: null, length: 1, stated: false, inDigits: true } : undefined
  }
  const counted = before?.kind === Num ? Quantity.fromDecimal(before.text) : undefined
  if (counted === undefined) return undefined
  if (isTimes(last, undefined)) return { quantity: counted, unit: null, length: 2, stated: true, inDigits: true }
  const unit = unitAt(last)
  return unit === undefined ? undefined : { quantity: counted, unit, length: 2, stated: true, inDigits: true }
}
