/**
 * Exact quantities (positive rationals, so `1,5 kg`, `meia dúzia` and `5 un` of a product
 * sold by the dozen stay exact), the words people use for units, and unit conversion.
 */
import { Schema } from "effect"
import type { Unit } from "./PriceTable.ts"

export const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

/** `numerator / denominator`, always in lowest terms. */
export class Quantity extends Schema.Class<Quantity>("@vigia/domain/Quantity")({
  numerator: PositiveInt,
  denominator: PositiveInt
}) {}

const gcd = (a: number, b: number): number => {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** Quantities are immutable: the small ones every order uses are made once (`n/d` with both up to 1,000). */
const smallLimit = 1001
const small = new Map<number, Quantity>()

/** `numerator / denominator` reduced; `undefined` unless both are positive safe integers. */
export const make = (numerator: number, denominator: number): Quantity | undefined => {
  if (!(Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator) && numerator > 0 && denominator > 0)) {
    return undefined
  }
  const divisor = gcd(numerator, denominator)
  const top = numerator / divisor
  const bottom = denominator / divisor
  if (top >= smallLimit || bottom >= smallLimit) return new Quantity({ numerator: top, denominator: bottom })
  const key = top * smallLimit + bottom
  const known = small.get(key)
  if (known !== undefined) return known
  const made = new Quantity({ numerator: top, denominator: bottom })
  small.set(key, made)
  return made
}

export const one = new Quantity({ numerator: 1, denominator: 1 })

const decimalPattern = /^(\d{1,6})(?:([.,])(\d{1,3}))?$/

/**
 * A positive decimal as typed: `2`, `1,5`, `0.25`. A dot followed by exactly three digits
 * groups thousands (`1.000` is a thousand); a comma is always decimal. At most six integer
 * and three decimal digits: longer runs are not quantities (they are phone numbers, codes).
 */
export const fromDecimal = (text: string): Quantity | undefined => {
  const match = decimalPattern.exec(text)
  if (match === null) return undefined
  const integer = match[1] ?? ""
  const fraction = match[3] ?? ""
  if (match[2] === "." && fraction.length === 3 && integer.length <= 3) return make(Number(integer + fraction), 1)
  return make(Number(integer + fraction), 10 ** fraction.length)
}

export const multiply = (quantity: Quantity, numerator: number, denominator: number): Quantity | undefined =>
  make(quantity.numerator * numerator, quantity.denominator * denominator)

/**
 * pt-BR: `2`, `1,5`, `0,125`; a fraction (`5/12`) when no decimal of at most three digits
 * is exact.
 */
export const format = (quantity: Quantity): string => {
  const { numerator, denominator } = quantity
  if (denominator === 1) return String(numerator)
  for (const scale of [10, 100, 1000]) {
    if (scale % denominator === 0) {
      const scaled = numerator * (scale / denominator)
      const integer = Math.floor(scaled / scale)
      const fraction = String(scaled - integer * scale).padStart(String(scale).length - 1, "0").replace(/0+$/, "")
      return `${integer},${fraction}`
    }
  }
  return `${numerator}/${denominator}`
}

const unitWords: ReadonlyMap<string, Unit> = new Map<string, Unit>([
  ...(["un", "und", "unid", "unids", "unidade", "unidades"] as const).map((word) => [word, "un"] as const),
  ...(["kg", "kgs", "kilo", "kilos", "quilo", "quilos"] as const).map((word) => [word, "kg"] as const),
  ...(["g", "gr", "grs", "grama", "gramas"] as const).map((word) => [word, "g"] as const),
  ...(["l", "lt", "lts", "litro", "litros"] as const).map((word) => [word, "l"] as const),
  ...(["ml", "mls"] as const).map((word) => [word, "ml"] as const),
  ...(["cx", "cxs", "caixa", "caixas", "caixinha", "caixinhas"] as const).map((word) => [word, "cx"] as const),
  ...(["dz", "duzia", "duzias"] as const).map((word) => [word, "dz"] as const),
  ...(["pct", "pcts", "pcte", "pacote", "pacotes", "pacotinho", "pacotinhos"] as const).map((word) => [word, "pct"] as const)
])

/** Words for weights and volumes that, after a number, make a size (`2 litros`, `500g`). */
const measureWords: ReadonlySet<string> = new Set([
  "kg", "kgs", "kilo", "kilos", "quilo", "quilos", "g", "gr", "grs", "grama", "gramas", "l", "lt", "lts", "litro",
  "litros", "ml", "mls"
])

/**
 * The canonical size a number and a weight or volume word name, in grams or millilitres
 * (`2`, `litros` → `2000ml`; `1,5`, `l` → `1500ml`; `1`, `kg` → `1000g`), if they name one.
 */
export const sizeTerm = (number: string, foldedWord: string): string | undefined => {
  if (!measureWords.has(foldedWord)) return undefined
  const unit = unitWords.get(foldedWord)
  const quantity = fromDecimal(number)
  if (unit === undefined || quantity === undefined) return undefined
  const base: Unit = unit === "kg" ? "g" : unit === "l" ? "ml" : unit
  const inBase = convert(quantity, unit, base)
  return inBase === undefined ? undefined : `${format(inBase)}${base}`
}

/** The unit a folded word names (`quilos` → `kg`, `duzia` → `dz`), if any. */
export const unitOf = (foldedWord: string): Unit | undefined => unitWords.get(foldedWord)

/** How many of the base unit one of each unit is: grams, millilitres, single items. */
const inBase: Record<Unit, readonly [base: string, factor: number]> = {
  kg: ["g", 1000],
  g: ["g", 1],
  l: ["ml", 1000],
  ml: ["ml", 1],
  dz: ["un", 12],
  un: ["un", 1],
  cx: ["cx", 1],
  pct: ["pct", 1]
}

/** The same amount in another unit (`500 g` → `1/2 kg`, `6 un` → `1/2 dz`), if they convert. */
export const convert = (quantity: Quantity, from: Unit, to: Unit): Quantity | undefined => {
  if (from === to) return quantity
  const [fromBase, fromFactor] = inBase[from]
  const [toBase, toFactor] = inBase[to]
  return fromBase === toBase ? multiply(quantity, fromFactor, toFactor) : undefined
}

/** Units measured (weight, volume) rather than counted. */
export const isMeasure = (unit: Unit): boolean => unit === "kg" || unit === "g" || unit === "l" || unit === "ml"
