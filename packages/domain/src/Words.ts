import { sizeTerm } from "./Quantity.ts"

/**
 * Text folded for comparison: lowercase without accents (length-preserving, so offsets in
 * the folded text are offsets in the original), its words, and pt-BR plurals made singular.
 */

const accented = "áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ"
const plain = "aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny"

const foldTable: Array<string> = []
for (let code = 0; code < 0x180; code++) foldTable.push(String.fromCharCode(code))
for (let code = 65; code <= 90; code++) foldTable[code] = String.fromCharCode(code + 32)
for (let index = 0; index < accented.length; index++) foldTable[accented.charCodeAt(index)] = plain.charAt(index)

/**
 * Lowercases ASCII letters and removes the accents of Latin letters, one UTF-16 unit for
 * one, so `fold(text).length === text.length`. Other characters (emoji, other scripts) are kept.
 */
export const fold = (text: string): string => {
  let folded = ""
  let copiedUpTo = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if ((code >= 65 && code <= 90) || (code >= 0xc0 && code < 0x180)) {
      const replacement = foldTable[code] ?? ""
      if (replacement !== text.charAt(index)) {
        folded += text.slice(copiedUpTo, index) + replacement
        copiedUpTo = index + 1
      }
    }
  }
  return copiedUpTo === 0 ? text : folded + text.slice(copiedUpTo)
}


/** Words that carry no product meaning: articles, prepositions, courtesy. */
export const fillerWords: ReadonlySet<string> = new Set([
  "a", "o", "as", "os", "de", "da", "do", "das", "dos", "com", "e", "em", "no", "na", "pra", "para", "pro",
  "por", "favor", "pfv", "pf", "pfvr", "porfavor", "obrigado", "obrigada", "obg", "brigado", "valeu", "vlw", "grato",
  "grata", "ai", "tambem", "tb", "tbm", "mais", "so", "me", "mim", "eu", "quero", "queria", "gostaria", "vou",
  "querer", "manda", "mande", "ve", "separa", "separar", "bota", "coloca", "anota", "pode", "ser", "vc", "voce",
  "oi", "ola", "bom", "boa", "dia", "tarde", "noite", "pessoal", "gente", "ok", "blz", "beleza", "please", "pedido",
  "meu", "minha", "segue", "d"
])

const pluralEndings: ReadonlyArray<readonly [plural: string, singular: string]> = [
  ["oes", "ao"],
  ["aes", "ao"],
  ["aos", "ao"],
  ["eis", "el"],
  ["ois", "ol"],
  ["ais", "al"],
  ["res", "r"],
  ["zes", "z"],
  ["ses", "s"],
  ["ns", "m"],
  ["s", ""]
]

/**
 * A pt-BR plural made singular (`cocas` → `coca`, `paes` → `pao`, `pasteis` → `pastel`,
 * `limoes` → `limao`, `pudins` → `pudim`). A stemmer, not a dictionary: what matters is
 * that a word and its plural meet (`frances` and `franceses` both give `france`).
 * Words under four letters are kept.
 */
export const singular = (word: string): string => {
  if (word.length < 4 || !word.endsWith("s") || isDigit(word.charCodeAt(0))) return word
  for (const [plural, replacement] of pluralEndings) {
    if (word.endsWith(plural) && word.length > plural.length) {
      const stem = word.slice(0, word.length - plural.length) + replacement
      return plural === "ses" ? singular(stem) : stem
    }
  }
  return word
}

export const isDigit = (code: number): boolean => code >= 48 && code <= 57

const termPattern = /(\d+(?:[.,]\d+)?)(\s*)([a-z]*)|([a-z]+\d[a-z\d]*)|([a-z]+)/g

/**
 * The words of a text that say what a product is, comparable across spellings: folded,
 * singular, without filler words; a number with a weight or volume becomes one canonical
 * size (`2L`, `2 litros` and `2000ml` all give `2000ml`; `1kg` gives `1000g`)
 * (`Coca-Cola 1.5L` → `coca`, `cola`, `1500ml`; `Pães de queijo` → `pao`, `queijo`).
 */
export const terms = (text: string): Array<string> => termsAndSpan(text).terms

const ofWords: ReadonlySet<string> = new Set(["de", "do", "da", "dos", "das", "d"])

/**
 * `terms`, and how many of them come before the first `de` (all when there is none): those
 * name the thing (`queijo mussarela`), those after it say of what (`esfiha de carne`).
 */
export const termsAndSpan = (text: string): { readonly terms: Array<string>; readonly span: number } => {
  const result: Array<string> = []
  let span = -1
  const folded = fold(text)
  termPattern.lastIndex = 0
  for (let match = termPattern.exec(folded); match !== null; match = termPattern.exec(folded)) {
    const [, number, , word, alphanumeric, plainWord] = match
    if (number !== undefined) {
      const size = word === "" ? undefined : sizeTerm(number, word ?? "")
      if (size !== undefined) result.push(size)
      else {
        result.push(number.replace(".", ","))
        if (word !== undefined && word !== "" && !fillerWords.has(word)) result.push(singular(word))
      }
    } else if (alphanumeric !== undefined) result.push(alphanumeric)
    else if (plainWord !== undefined && !fillerWords.has(plainWord)) result.push(singular(plainWord))
    else if (span < 0 && plainWord !== undefined && ofWords.has(plainWord) && result.length > 0) span = result.length
  }
  return { terms: result, span: span < 0 ? result.length : span }
}

/** Whether a term is a canonical size (`2000ml`, `500g`). */
export const isSizeTerm = (term: string): boolean => isDigit(term.charCodeAt(0)) && (term.endsWith("ml") || term.endsWith("g"))
