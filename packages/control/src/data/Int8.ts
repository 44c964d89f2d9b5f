/**
 * PostgreSQL `int8` values (Telegram ids, counts, prices) read back as exact JavaScript
 * numbers: safe integers pass, anything beyond ±(2^53 − 1) fails to decode instead of rounding.
 */
import { Schema, SchemaGetter } from "effect"

/**
 * The driver returns `int8` as `bigint`; this decodes it to a safe-integer `number`
 * (Telegram's ids have at most 52 significant bits, so every real one fits).
 */
export const SafeIntFromInt8 = Schema.BigInt.pipe(
  Schema.decodeTo(Schema.Int, {
    decode: SchemaGetter.transform((value: bigint) => Number(value)),
    encode: SchemaGetter.transform((value: number) => BigInt(value))
  })
)
