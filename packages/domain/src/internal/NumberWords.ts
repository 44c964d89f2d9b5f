/**
 * Quantities written as words (`duas`, `dez`, `meia`), folded; exported on their own so both
 * the amount reader and the number-role filter can ask without importing each other.
 */
import * as Quantity from "../Quantity.ts"

const whole = (value: number): Quantity.Quantity => Quantity.make(value, 1) ?? Quantity.one
export const half = Quantity.make(1, 2) ?? Quantity.one

export const numberWords: ReadonlyMap<string, Quantity.Quantity> = new Map([
  ...([
    ["um", 1], ["uma", 1], ["dois", 2], ["duas", 2], ["tres", 3], ["quatro", 4], ["cinco", 5], ["seis", 6], ["sete", 7],
    ["oito", 8], ["nove", 9], ["dez", 10], ["onze", 11], ["doze", 12], ["treze", 13], ["quatorze", 14], ["catorze", 14],
    ["quinze", 15], ["dezesseis", 16], ["dezessete", 17], ["dezoito", 18], ["dezenove", 19], ["vinte", 20],
    ["trinta", 30], ["quarenta", 40], ["cinquenta", 50], ["cem", 100]
  ] as const).map(([word, value]) => [word, whole(value)] as const),
  ["meia", half],
  ["meio", half]
])

export const isNumberWord = (word: string): boolean => numberWords.has(word)
