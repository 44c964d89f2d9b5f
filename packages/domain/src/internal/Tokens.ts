/**
 * A folded message cut into numbers, words, line breaks and single symbols, each with its
 * offsets (the same in the original text) and whether whitespace came before it.
 */

export const Num = 0
export const Word = 1
export const Break = 2
export const Sym = 3
export type Kind = typeof Num | typeof Word | typeof Break | typeof Sym

export interface Token {
  readonly kind: Kind
  readonly text: string
  readonly start: number
  readonly end: number
  /** Whitespace (or nothing at all) separates it from the token before. */
  readonly spaced: boolean
}

const isDigitCode = (code: number) => code >= 48 && code <= 57
const isLetterCode = (code: number) => code >= 97 && code <= 122

/** Whitespace as `\s` knows it, and the emoji presentation, keycap (`2️⃣`) and joiner marks, all skipped. */
const isSkipped = (code: number): boolean =>
  code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff ||
  code === 0xfe0f || code === 0x20e3 || code === 0x200d

/**
 * Numbers (`2`, `1,5`, `1.234,50`), lowercase words, line breaks and single symbols (one UTF-16
 * unit each) of a folded text; whitespace and emoji marks between them are skipped.
 */
export const tokenize = (folded: string): Array<Token> => {
  const tokens: Array<Token> = []
  const length = folded.length
  let previousEnd = 0
  let at = 0
  while (at < length) {
    const code = folded.charCodeAt(at)
    if (code !== 10 && isSkipped(code)) {
      at++
      continue
    }
    let end = at + 1
    let kind: Kind = Sym
    if (isDigitCode(code)) {
      kind = Num
      while (end < length) {
        const next = folded.charCodeAt(end)
        if (isDigitCode(next)) end++
        else if ((next === 44 || next === 46) && isDigitCode(folded.charCodeAt(end + 1))) end += 2
        else break
      }
    } else if (isLetterCode(code)) {
      kind = Word
      while (end < length && isLetterCode(folded.charCodeAt(end))) end++
    } else if (code === 10) kind = Break
    tokens.push({ kind, text: folded.slice(at, end), start: at, end, spaced: at > previousEnd || at === 0 })
    previousEnd = end
    at = end
  }
  return tokens
}

export const isWord = (token: Token | undefined, text?: string): boolean =>
  token !== undefined && token.kind === Word && (text === undefined || token.text === text)

export const isSym = (token: Token | undefined, text: string): boolean =>
  token !== undefined && token.kind === Sym && token.text === text

/** `token` follows the one before it with no space (`2x`, `1/2`, `25,00`). */
export const joined = (token: Token | undefined): boolean => token !== undefined && !token.spaced

/** The count of digits in a number token (`98765` → 5, `1.234,50` → 6). */
export const digitCount = (token: Token): number => {
  let count = 0
  for (let index = 0; index < token.text.length; index++) {
    const code = token.text.charCodeAt(index)
    if (code >= 48 && code <= 57) count++
  }
  return count
}

/** The text of a word token, or `""` for anything else (so sets of words can be asked directly). */
export const wordText = (token: Token | undefined): string => token?.kind === Word ? token.text : ""
