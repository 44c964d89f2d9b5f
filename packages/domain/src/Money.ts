/**
 * Money in integer centavos: pt-BR formatting (`R$ 1.234,50`) and parsing of what sellers
 * type (`9,50`, `R$ 27.90`, `1.234,50`), exact to the centavo, never through floats.
 */
import { Result, Schema } from "effect"
import { Centavos } from "./PriceTable.ts"
import type { Quantity } from "./Quantity.ts"

export class InvalidMoney extends Schema.TaggedError<InvalidMoney>()("InvalidMoney", {
  reason: Schema.Literals(["Empty", "NotANumber", "Negative", "TooManyDecimals", "TooLarge"]),
  text: Schema.String,
  message: Schema.String
}) {}

const messages: Record<InvalidMoney["reason"], string> = {
  Empty: "Falta o preço. Escreva por exemplo 9,50 ou R$ 1.234,50.",
  NotANumber: "Não entendi o preço. Escreva por exemplo 9,50 ou R$ 1.234,50.",
  Negative: "O preço não pode ser negativo.",
  TooManyDecimals: "O preço tem casas decimais demais: use no máximo dois dígitos de centavos, como 9,50.",
  TooLarge: "Esse preço passa do máximo de R$ 10.000.000.000,00."
}

/** The largest amount a price or a line total may be: R$ 10.000.000.000,00. */
export const maximum = 1_000_000_000_000

const invalid = (reason: InvalidMoney["reason"], text: string) =>
  Result.fail(new InvalidMoney({ reason, text, message: messages[reason] }))

/** `R$ 1.234,50`: reais grouped by thousands with dots, a comma and two centavo digits. */
export const format = (centavos: Centavos): string => {
  const reais = Math.floor(centavos / 100)
  const cents = centavos - reais * 100
  return `R$ ${groupThousands(reais)},${cents < 10 ? "0" : ""}${cents}`
}

const groupThousands = (value: number): string => {
  const digits = String(value)
  let grouped = ""
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3)
    grouped = grouped === "" ? digits.slice(start, end) : `${digits.slice(start, end)}.${grouped}`
  }
  return grouped
}

/** pt-BR: dots group thousands, an optional comma starts the centavos. */
const brazilian = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?$/
/** Dot decimals, as typed on phones set to English: `27.90`, `1,234.50`. */
const dotDecimal = /^(\d{1,3}(?:,\d{3})+|\d+)\.(\d{1,2})$/

/**
 * Reads a price: optional `R$`, comma or dot decimals with up to two digits, optional
 * thousands separators. `1.234` is one thousand two hundred and thirty-four reais
 * (three digits after a lone dot group thousands), `27.90` is twenty-seven reais and ninety.
 */
export const parse = (text: string): Result.Result<Centavos, InvalidMoney> => {
  const compact = text.replace(/\s+/g, "").replace(/^R\$/i, "")
  if (compact === "") return invalid("Empty", text)
  if (compact.startsWith("-")) return invalid("Negative", text)
  const match = brazilian.exec(compact) ?? dotDecimal.exec(compact)
  if (match === null) return invalid(/^[\d.,]*[.,]\d{3,}$/.test(compact) ? "TooManyDecimals" : "NotANumber", text)
  const fraction = match[2] ?? ""
  if (fraction.length > 2) return invalid("TooManyDecimals", text)
  const reais = Number((match[1] ?? "").replace(/[.,]/g, ""))
  const centavos = reais * 100 + Number(fraction.padEnd(2, "0"))
  if (!(centavos <= maximum)) return invalid("TooLarge", text)
  return Result.succeed(Centavos.make(centavos))
}

/**
 * `price × quantity`, rounded half up to the centavo: the rounding rule of every line
 * total (`R$ 9,99 × 0,5 = R$ 5,00`). Exact integer arithmetic; `undefined` past `maximum`.
 */
export const times = (price: Centavos, quantity: Quantity): Centavos | undefined => {
  const dividend = 2 * price * quantity.numerator + quantity.denominator
  const divisor = 2 * quantity.denominator
  const total = Number.isSafeInteger(dividend) && Number.isSafeInteger(divisor)
    ? (dividend - (dividend % divisor)) / divisor
    : Number((2n * BigInt(price) * BigInt(quantity.numerator) + BigInt(quantity.denominator)) / BigInt(divisor))
  return total <= maximum ? Centavos.make(total) : undefined
}
