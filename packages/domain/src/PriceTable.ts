/**
 * A seller's price table: products with aliases, a unit and a price in integer
 * centavos (never floats for money).
 */
import { Schema } from "effect"

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
