/**
 * What each number of a message stands for when it is not a quantity: a phone number, money,
 * a time, a date, an address or a label. The chatter filter weighs these before reading amounts.
 */
import { Break, digitCount, isSym, isWord, joined, Num, Sym, type Token, Word, wordText } from "./Tokens.ts"
import {
  addressWords,
  currencyWords,
  dayParts,
  labelWords,
  moneyWords,
  timeLeads,
  timeUnits
} from "./Vocabulary.ts"
import { unitOf } from "../Quantity.ts"
import { isNumberWord } from "./NumberWords.ts"

export const Quantity = 0
export const Phone = 1
export const Money = 2
export const Time = 3
export const DateOrScore = 4
export const Address = 5
export const Label = 6
export type Role = typeof Quantity | typeof Phone | typeof Money | typeof Time | typeof DateOrScore | typeof Address | typeof Label

/** `a/b` that reads as a day and month (`15/03`) or a score (`10/10`, `9/10`). */
const isDateOrScorePair = (first: string, second: string): boolean => {
  const a = Number(first)
  const b = Number(second)
  return (a >= 1 && a <= 31 && b >= 1 && b <= 12) || (a <= b && (b === 5 || b === 10 || b === 100))
}

/** `a/b` that reads as a fraction of a unit (`1/2`, `3/4`), not a date or a score (`15/03`, `10/10`). */
export const isFraction = (numerator: string, denominator: string): boolean => {
  const top = Number(numerator)
  const bottom = Number(denominator)
  return /^\d{1,2}$/.test(numerator) && /^\d{1,2}$/.test(denominator) && top >= 1 && bottom <= 10 && top < bottom
}

const centsPattern = /^\d{1,3}(?:\.\d{3})*,\d{2}$/
const articles: ReadonlySet<string> = new Set(["o", "a", "do", "da", "no", "na", "pro", "pra", "ao"])
const moneyGap: ReadonlySet<string> = new Set(["pra", "para", "de", "os", "as", "o", "a", "no", "em", "r", "mais", "uns"])

/** The word before `tokens[at]`, past `º`, `.` and `:` (`nº 45`, `Av. 12`). */
const wordBefore = (tokens: ReadonlyArray<Token>, at: number): Token | undefined => {
  let index = at - 1
  while (index >= 0 && tokens[index]?.kind === Sym && /^[º°.:#]$/.test(tokens[index]?.text ?? "")) index--
  const token = tokens[index]
  return token?.kind === Word ? token : undefined
}

/** Marks runs of numbers that together hold eight digits or more (`11 98765-4321`, `(21) 99876-5432`); a CEP (`04567-000`) is not one. */
const markPhones = (tokens: ReadonlyArray<Token>, roles: Uint8Array) => {
  let runStart = -1
  let digits = 0
  for (let index = 0; index <= tokens.length; index++) {
    const token = tokens[index]
    const inRun = token !== undefined && token.kind === Num && roles[index] === Quantity
    if (inRun) {
      if (runStart < 0) runStart = index
      const count = digitCount(token)
      digits = count >= 7 ? Math.max(digits + count, 8) : digits + count
      continue
    }
    if (runStart < 0 || (token !== undefined && token.kind === Sym && /^[-().+]$/.test(token.text))) continue
    if (digits >= 8) for (let at = runStart; at < index; at++) if (tokens[at]?.kind === Num) roles[at] = Phone
    runStart = -1
    digits = 0
  }
}

const isTime = (tokens: ReadonlyArray<Token>, at: number, original: string): boolean => {
  const token = tokens[at] as Token
  const next = tokens[at + 1]
  const before = tokens[at - 1]
  if (timeUnits.has(wordText(next))) return true
  if (isSym(next, ":") && joined(next) && tokens[at + 2]?.kind === Num && joined(tokens[at + 2])) return true
  if (isSym(before, ":") && joined(token) && tokens[at - 2]?.kind === Num) return true
  if (isWord(before, "h") && joined(before) && joined(token)) return true
  if ((isWord(next, "da") || isWord(next, "de")) && isWord(tokens[at + 2]) && dayParts.has(tokens[at + 2]?.text ?? "")) {
    return true
  }
  const lead = wordBefore(tokens, at)
  if (lead === undefined) return false
  if (timeLeads.has(lead.text)) return true
  if (lead.text !== "as") return false
  return original.charAt(lead.start) === "à" || original.charAt(lead.start) === "À" ||
    (Number(token.text) <= 24 && !isWord(next))
}

const isMoney = (tokens: ReadonlyArray<Token>, at: number): boolean => {
  const token = tokens[at] as Token
  const next = tokens[at + 1]
  if (isSym(tokens[at - 1], "$")) return true
  if (currencyWords.has(wordText(next))) return true
  if (centsPattern.test(token.text) && !(unitOf(wordText(next)) !== undefined || wordText(next) === "x")) {
    return true
  }
  for (let index = at - 1, words = 0; index >= 0 && words < 3; index--) {
    const before = tokens[index] as Token
    if (before.kind !== Word) return false
    if (moneyWords.has(before.text)) return true
    if (!moneyGap.has(before.text)) words++
  }
  return false
}

const isDateOrScore = (tokens: ReadonlyArray<Token>, at: number): boolean => {
  const token = tokens[at] as Token
  const before = wordBefore(tokens, at)
  if (before?.text === "dia" && !isWord(tokens[at - 2], "bom")) return true
  const slash = tokens[at + 1]
  const other = tokens[at + 2]
  if (isSym(slash, "/") && joined(slash) && other?.kind === Num && joined(other)) {
    return !isFraction(token.text, other.text) && isDateOrScorePair(token.text, other.text)
  }
  const back = tokens[at - 1]
  const first = tokens[at - 2]
  return isSym(back, "/") && joined(back) && joined(token) && first?.kind === Num && !isFraction(first.text, token.text) &&
    isDateOrScorePair(first.text, token.text)
}

/** The address word within the five tokens before `at` on its line, if the number is the first after it. */
const isAddress = (tokens: ReadonlyArray<Token>, at: number, claimed: Set<number>): boolean => {
  for (let index = at - 1; index >= 0 && index >= at - 5; index--) {
    const token = tokens[index] as Token
    if (token.kind === Break || token.kind === Num || token.text === "e" || isNumberWord(token.text)) break
    if (token.kind === Word && addressWords.has(token.text) && !claimed.has(index)) {
      if (token.text === "r" && !isSym(tokens[index + 1], ".")) continue
      claimed.add(index)
      return true
    }
  }
  const token = tokens[at] as Token
  const next = tokens[at + 1]
  const isFlat = digitCount(token) >= 3 && !/[.,]/.test(token.text) &&
    !(unitOf(wordText(next)) !== undefined || wordText(next) === "x" || wordText(next) === "de")
  const before = tokens[at - 1]
  return isFlat && (isSym(before, "(") || articles.has(wordText(before)))
}

/** The role of every number token of `tokens` (`Quantity` for the rest), from `original`'s accents where they matter. */
export const numberRoles = (tokens: ReadonlyArray<Token>, original: string): Uint8Array => {
  const roles = new Uint8Array(tokens.length)
  if (!tokens.some((token) => token.kind === Num)) return roles
  tokens.forEach((token, at) => {
    const suffix = tokens[at + 2]
    if (digitCount(token) === 5 && isSym(tokens[at + 1], "-") && suffix !== undefined && digitCount(suffix) === 3) {
      roles[at] = Address
      roles[at + 2] = Address
    }
  })
  markPhones(tokens, roles)
  const claimed = new Set<number>()
  tokens.forEach((token, at) => {
    if (token.kind !== Num || roles[at] !== Quantity) return
    if (isMoney(tokens, at)) roles[at] = Money
    else if (isTime(tokens, at, original)) roles[at] = Time
    else if (isDateOrScore(tokens, at)) roles[at] = DateOrScore
    else if (labelWords.has(wordBefore(tokens, at)?.text ?? "") && isLabel(tokens, at)) roles[at] = Label
    else if (isAddress(tokens, at, claimed)) roles[at] = Address
  })
  return roles
}

/** `pedido 1234` is a label, `pedido 2 coca` is an order; other label words always label. */
const isLabel = (tokens: ReadonlyArray<Token>, at: number): boolean =>
  wordBefore(tokens, at)?.text !== "pedido" || digitCount(tokens[at] as Token) >= 3
