/**
 * The quantity of an order line in the unit its product is sold by: converted (`500 g` of a
 * product sold by kg is 0,5), counted in packs of the size the name gives (`10kg de arroz`
 * of `Arroz 5kg` is 2), or none when the seller has to weigh or ask (`3 tomates`).
 */
import type { OrderLine } from "../OrderParser.ts"
import type { PriceItem, Unit } from "../PriceTable.ts"
import * as Quantity from "../Quantity.ts"

/** A size a product's name gives, in grams or millilitres (`Arroz 5kg` → 5000 g). */
export interface Size {
  readonly amount: number
  readonly base: "g" | "ml"
}

const sizePattern = /^(\d+(?:,\d+)?)(ml|g)$/

/** The size a canonical size term names (`2000ml`), if it is one. */
export const sizeOf = (term: string): Size | undefined => {
  const match = sizePattern.exec(term)
  if (match === null) return undefined
  return { amount: Number((match[1] ?? "").replace(",", ".")), base: match[2] === "g" ? "g" : "ml" }
}

const counted: ReadonlySet<Unit> = new Set(["un", "cx", "pct"])

/** A bare count of at least this many, of a product sold by weight or volume, is grams or millilitres (`200 de presunto`). */
const smallestBareGrams = 50

/** `quantity` of a measure, as a whole number of packs of one of `sizes`. */
const inPacks = (quantity: Quantity.Quantity, unit: Unit, sizes: ReadonlyArray<Size>): Quantity.Quantity | undefined => {
  const base = unit === "kg" || unit === "g" ? "g" : "ml"
  const inBase = Quantity.convert(quantity, unit, base)
  if (inBase === undefined) return undefined
  for (const size of sizes) {
    if (size.base !== base) continue
    const packs = inBase.numerator / (inBase.denominator * size.amount)
    if (Number.isInteger(packs) && packs >= 1) return Quantity.make(packs, 1)
  }
  return undefined
}

/**
 * The line's quantity in the item's unit, if it fits. With no unit typed it is the item's
 * unit, except that a bare count of a product sold by the dozen counts items (`6 ovos`), and
 * of one sold by weight or volume is grams or millilitres from 50 up (`200 de presunto`);
 * below that, of one sold by weight, it is pieces the seller must weigh (`3 tomates`).
 * Counts of boxes and packs count items.
 */
export const quantityFor = (
  line: Pick<OrderLine, "quantity" | "unit">,
  item: PriceItem,
  sizes: ReadonlyArray<Size>
): Quantity.Quantity | undefined => {
  const { quantity } = line
  if (line.unit === null) {
    if (item.unit === "dz") return Quantity.convert(quantity, "un", "dz")
    if (!Quantity.isMeasure(item.unit) || quantity.denominator !== 1) return quantity
    const byWeight = item.unit === "kg" || item.unit === "g"
    if (quantity.numerator >= smallestBareGrams) return Quantity.convert(quantity, byWeight ? "g" : "ml", item.unit)
    return byWeight ? undefined : quantity
  }
  if (counted.has(line.unit) && counted.has(item.unit)) return quantity
  const converted = Quantity.convert(quantity, line.unit, item.unit)
  if (converted !== undefined) return converted
  return Quantity.isMeasure(line.unit) && !Quantity.isMeasure(item.unit) ? inPacks(quantity, line.unit, sizes) : undefined
}
