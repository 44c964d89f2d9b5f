/**
 * Cuts a tokenized message into sentences (line breaks, `?`, `!`, `. `) and each sentence into
 * segments that may each be one order line (`,`, `;`, `:`, `+`, ` / `, ` - `, ` e ` before a
 * quantity, and a new quantity after a product: `2 coca 1 guaraná`). Tells questions apart.
 */
import { isMeasure } from "../Quantity.ts"
import { fillerWords, singular } from "../Words.ts"
import { isTimes, isVulgarFraction, unitAt } from "./Amount.ts"
import { describingWords } from "./Meanings.ts"
import { Quantity, type Role } from "./NumberRoles.ts"
import { isNumberWord } from "./NumberWords.ts"
import { Break, isSym, isWord, joined, Num, Sym, type Token, Word, wordText } from "./Tokens.ts"
import { interrogatives, laughter, notProducts, openers, requestVerbs, squeeze } from "./Vocabulary.ts"

/** Tokens `[start, end)` that may hold one order line. */
export interface Range {
  readonly start: number
  readonly end: number
  readonly line: number
  readonly sentence: number
  /** Ends with `:` (`Meu pedido:`, `Pra amanhã cedo:`). */
  readonly header: boolean
  /** Begins at a quantity that followed other words (`… quer 1 pão de forma`). */
  readonly split: boolean
}

interface Sentence {
  readonly start: number
  readonly end: number
  /** Asks something (ends with `?` or opens with `quanto`, `tem`, …) without asking the seller to send anything. */
  readonly inquiry: boolean
}

/** Carries nothing of an order: courtesy, greetings, the words of a request. */
export const isFillerWord = (text: string): boolean =>
  fillerWords.has(text) || openers.has(text) || isLaughter(text) || (text.length > 3 && fillerWords.has(squeeze(text)))

/** `kkkk`, `haha`, `rsrs`, tested only on words that can start one. */
const isLaughter = (text: string): boolean => {
  const first = text.charCodeAt(0)
  return (first === 107 || first === 104 || first === 114) && laughter.test(text)
}

const halfWords: ReadonlySet<string> = new Set(["meio", "meia"])

/**
 * ` e ` here starts a new line: a quantity follows, and it is not the half of an amount the
 * segment opened with (`1kg e meio`, `uma dúzia e meia`); or a product follows whose count comes
 * after it, and a quantity came before (`coca x2 e guaraná x3`).
 */
const andStartsLine = (tokens: ReadonlyArray<Token>, at: number, roles: Uint8Array, segment: SegmentSoFar): boolean => {
  let next = at + 1
  if (isWord(tokens[next], "mais")) next++
  const token = tokens[next]
  if (token === undefined) return false
  const before = tokens[at - 1]
  const afterCount = before !== undefined && (before.kind === Num || (before.kind === Word && isNumberWord(before.text)))
  const afterUnit = before !== undefined && unitAt(before) !== undefined
  const isHalf = (token.kind === Word && halfWords.has(token.text)) || isVulgarFraction(token) ||
    (token.kind === Num && isSym(tokens[next + 1], "/") && joined(tokens[next + 1]))
  const halfLength = token.kind === Num ? 3 : 1
  if (isHalf && !segment.hasContent && (afterCount || (afterUnit && unitAt(tokens[next + halfLength]) === undefined))) {
    return false
  }
  if (token.kind === Word && !isNumberWord(token.text) && segment.hasQuantity) return endsWithTimes(tokens, next)
  if (token.kind === Num) return roles[next] === Quantity
  if (token.kind === Sym) return isVulgarFraction(token)
  return token.kind === Word && (isNumberWord(token.text) || (isTimes(token, tokens[next + 1]) && tokens[next + 1]?.kind === Num))
}

/**
 * A quantity after other words of the segment starts a new line (`… 1 guaraná`, `… 2x pastel`,
 * `… 2un bombom`, `… 1kg de queijo`), unless it is a size (`coca 2 litros`, `coca 2L gelada`).
 */
const startsLine = (tokens: ReadonlyArray<Token>, at: number, roles: Uint8Array): boolean => {
  const before = tokens[at - 1]
  const next = tokens[at + 1]
  if (roles[at] !== Quantity || before?.kind !== Word || next?.kind !== Word) return false
  if (before.text === "de" || before.text === "e" || isNumberWord(before.text) || unitAt(before) !== undefined) {
    return false
  }
  if (isTimes(before, tokens[at])) return false
  const unit = unitAt(next)
  if (unit !== undefined) {
    if (!isMeasure(unit)) return true
    const after = wordText(tokens[at + 2])
    return after === "de" || (after !== "" && after !== "x" && !isFillerWord(after) && !describingWords.has(after))
  }
  if (next.text === "x") return tokens[at + 2]?.kind === Word
  return next.spaced && !notProducts.has(singular(next.text))
}

/** What the segment being cut holds so far. */
interface SegmentSoFar {
  /** A word that may name a product (not courtesy, not a unit, not a number word). */
  readonly hasContent: boolean
  readonly hasQuantity: boolean
}

/** Whether the segment that goes on at `from` ends with a count after its product (`guaraná x3`, `guaraná 3x`). */
const endsWithTimes = (tokens: ReadonlyArray<Token>, from: number): boolean => {
  let end = from
  while (end < tokens.length && !endsHere(tokens, end)) end++
  while (end > from && (tokens[end - 1]?.kind === Sym || isFillerWord(wordText(tokens[end - 1])))) end--
  const last = tokens[end - 1]
  const before = tokens[end - 2]
  return (last?.kind === Num && isTimes(before, last)) || (before?.kind === Num && isTimes(last, undefined))
}

const endsHere = (tokens: ReadonlyArray<Token>, at: number): boolean => {
  const token = tokens[at] as Token
  return token.kind === Break || (token.kind === Sym && (endsSentence(tokens, at) || endsSegment(tokens, at)))
}

const separatorSymbols: ReadonlySet<string> = new Set([",", ";", "+"])

/** Whether a symbol ends the segment (a `/` or `-` with spaces around it, a `:` that is not a time's). */
const endsSegment = (tokens: ReadonlyArray<Token>, at: number): boolean => {
  const token = tokens[at] as Token
  if (separatorSymbols.has(token.text)) return true
  const next = tokens[at + 1]
  if (token.text === ":") return !(tokens[at - 1]?.kind === Num && joined(token) && next?.kind === Num && joined(next))
  if (token.text === "/" || token.text === "-") return token.spaced && next !== undefined && next.spaced
  return false
}

const endsSentence = (tokens: ReadonlyArray<Token>, at: number): boolean => {
  const token = tokens[at] as Token
  if (token.text === "?" || token.text === "!") return true
  if (token.text !== ".") return false
  const next = tokens[at + 1]
  return next === undefined || next.spaced || next.kind === Break
}

/** Cuts the tokens of a message into sentences and segments. */
export const cut = (tokens: ReadonlyArray<Token>, roles: Uint8Array) => {
  const ranges: Array<Range> = []
  const sentences: Array<Sentence> = []
  let line = 0
  let sentenceStart = 0
  let segmentStart = 0
  let split = false
  const segment = { hasContent: false, hasQuantity: false }
  const close = (end: number, next: number, header = false) => {
    if (end > segmentStart) ranges.push({ start: segmentStart, end, line, sentence: sentences.length, header, split })
    segmentStart = next
    split = false
    segment.hasContent = false
    segment.hasQuantity = false
  }
  const closeSentence = (end: number, next: number, asked: boolean) => {
    close(end, next)
    if (end > sentenceStart) sentences.push({ start: sentenceStart, end, inquiry: isInquiry(tokens, roles, sentenceStart, end, asked) })
    sentenceStart = next
  }
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at] as Token
    if (token.kind === Break) {
      closeSentence(at, at + 1, false)
      line++
    } else if (token.kind === Sym && endsSentence(tokens, at)) closeSentence(at, at + 1, token.text === "?")
    else if (token.kind === Sym && endsSegment(tokens, at)) close(at, at + 1, token.text === ":")
    else if (token.kind === Word && token.text === "e" && token.spaced && andStartsLine(tokens, at, roles, segment)) {
      close(at, at + 1)
    } else if (token.kind === Num && segment.hasContent && startsLine(tokens, at, roles)) {
      close(at, at)
      split = true
      segment.hasQuantity = true
    } else if (token.kind === Num) segment.hasQuantity ||= roles[at] === Quantity
    else if (token.kind === Word && !(segment.hasQuantity && segment.hasContent)) {
      if (isNumberWord(token.text)) segment.hasQuantity = true
      else if (!segment.hasContent) segment.hasContent = !isFillerWord(token.text) && unitAt(token) === undefined
    }
  }
  closeSentence(tokens.length, tokens.length, false)
  return { ranges, sentences }
}

/** The index of the first word of `[start, end)` that is not courtesy (`Bom dia, tem coca?` → `tem`), or -1. */
const firstWord = (tokens: ReadonlyArray<Token>, start: number, end: number): number => {
  for (let at = start; at < end; at++) {
    const token = tokens[at] as Token
    if (token.kind === Num) return at
    if (token.kind === Word && !(fillerWords.has(token.text) || isLaughter(token.text) || token.text === "vcs" ||
      token.text === "voces")) return at
  }
  return -1
}

const hasInterrogative = (tokens: ReadonlyArray<Token>, start: number, end: number): boolean => {
  for (let at = start; at < end; at++) if (interrogatives.has(wordText(tokens[at]))) return true
  return false
}

/**
 * A question (a `?` at its end, or a first word such as `quanto`, `tem`, `alguém`) is an
 * inquiry unless a request verb comes before its first quantity (`me vê 2 coca?`,
 * `pode separar 1kg de tomate pra mim?`, `tem como separar…?`), or it opens with the
 * quantities and asks nothing with a question word (`2kg de batata e 1kg de cebola, pode ser?`):
 * sellers read those as orders.
 */
const isInquiry = (
  tokens: ReadonlyArray<Token>,
  roles: Uint8Array,
  start: number,
  end: number,
  asked: boolean
): boolean => {
  const at = firstWord(tokens, start, end)
  const first = tokens[at]
  const opensAsQuestion = first?.kind === Word && interrogatives.has(first.text) &&
    !(first.text === "tem" && isWord(tokens[at + 1], "como"))
  if (!asked && !opensAsQuestion) return false
  const opensWithQuantity = first !== undefined &&
    ((first.kind === Num && roles[at] === (Quantity as Role)) || (first.kind === Word && isNumberWord(first.text)))
  if (opensWithQuantity && !hasInterrogative(tokens, at, end)) return false
  for (let index = start; index < end; index++) {
    const token = tokens[index] as Token
    if ((token.kind === Num && roles[index] === (Quantity as Role)) || (token.kind === Word && isNumberWord(token.text))) {
      return true
    }
    if (token.kind === Word && requestVerbs.has(token.text)) return false
  }
  return true
}
