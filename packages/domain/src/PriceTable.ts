/**
 * A seller's price table: products with aliases, a unit and a price in integer
 * centavos (never floats for money); what changes between two tables, and one product changed or removed.
 */
import { Schema } from "effect"
import { fold } from "./Words.ts"

export const Unit = Schema.Literals(["un", "kg", "g", "l", "ml", "cx", "dz", "pct"])
export type Unit = typeof Unit.Type

/** Money in integer centavos, never negative. */
export const Centavos = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)), Schema.brand("Centavos"))
export type Centavos = typeof Centavos.Type

export class PriceItem extends Schema.Class<PriceItem>("@vigia/domain/PriceItem")({
  name: Schema.NonEmptyString,
  aliases: Schema.Array(Schema.String),
  unit: Unit,
  price: Centavos
}) {}

/** The key two names share when they name the same product: case, accents and spacing aside (`Pão  Francês` = `pao frances`). */
export const nameKey = (name: string): string => fold(name).trim().replace(/\s+/g, " ")

/** A product whose price, unit or aliases differ between two tables. */
export interface ChangedItem {
  readonly before: PriceItem
  readonly after: PriceItem
}

/** What replacing `before` by `after` changes, products paired by name (`nameKey`), each list in its table's order. */
export interface TableChanges {
  readonly added: ReadonlyArray<PriceItem>
  readonly removed: ReadonlyArray<PriceItem>
  readonly changed: ReadonlyArray<ChangedItem>
  readonly unchanged: number
}

const sameAliases = (a: PriceItem, b: PriceItem) =>
  a.aliases.length === b.aliases.length && a.aliases.every((alias, index) => alias === b.aliases[index])

/** What would change if `before` were replaced by `after`. */
export const changes = (before: ReadonlyArray<PriceItem>, after: ReadonlyArray<PriceItem>): TableChanges => {
  const old = new Map(before.map((item) => [nameKey(item.name), item] as const))
  const kept = new Set<string>()
  const added: Array<PriceItem> = []
  const changed: Array<ChangedItem> = []
  let unchanged = 0
  for (const item of after) {
    const key = nameKey(item.name)
    const previous = old.get(key)
    if (previous === undefined) {
      added.push(item)
      continue
    }
    kept.add(key)
    const same = previous.price === item.price && previous.unit === item.unit && previous.name === item.name &&
      sameAliases(previous, item)
    if (same) unchanged++
    else changed.push({ before: previous, after: item })
  }
  const removed = before.filter((item) => !kept.has(nameKey(item.name)))
  return { added, removed, changed, unchanged }
}

/** The table with `item` in place of the product named like `replacing` (where it was), or added at the end. */
export const withItem = (items: ReadonlyArray<PriceItem>, item: PriceItem, replacing: string = item.name): Array<PriceItem> => {
  const key = nameKey(replacing)
  const index = items.findIndex((candidate) => nameKey(candidate.name) === key)
  return index < 0 ? [...items, item] : items.map((candidate, at) => (at === index ? item : candidate))
}

/** The table without the product named `name`. */
export const withoutItem = (items: ReadonlyArray<PriceItem>, name: string): Array<PriceItem> => {
  const key = nameKey(name)
  return items.filter((item) => nameKey(item.name) !== key)
}
