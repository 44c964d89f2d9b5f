/**
 * Says why a message was or was not read as an order: for each piece, what was read from it,
 * which products scored how against the table, and why it was priced, listed or judged chatter.
 */
import type { ChatterReason, QuantityKind } from "./OrderParser.ts"
import * as OrderReading from "./OrderReading.ts"
import type { Unit } from "./PriceTable.ts"
import type { MatchExplanation, ProductMatcher } from "./ProductMatcher.ts"
import * as Quantity from "./Quantity.ts"

/** What was read from a piece that reads as an order line. */
export interface ReadLine {
  readonly quantity: string
  readonly unit: Unit | null
  readonly product: string
  readonly quantityKind: QuantityKind
  /** Words after the product left out of it (`pras 7h amanhã`). */
  readonly ignored: string
  readonly inherited: "unit" | "product" | null
}

export interface ExplainedPiece {
  readonly text: string
  /** `Priced`: in the quote's total; `Check`: listed for the seller to check; `Chatter`: not part of an order. */
  readonly outcome: "Priced" | "Check" | "Chatter"
  readonly why: string
  readonly read: ReadLine | null
  /** For a line matched against the table: the words compared and the products scored, best first. */
  readonly match: MatchExplanation | null
}

export interface Explanation {
  readonly message: string
  readonly isOrder: boolean
  readonly pieces: ReadonlyArray<ExplainedPiece>
}

const chatterReasons: Record<ChatterReason | OrderReading.TableReason, string> = {
  Courtesy: "only greetings, courtesy or emoji",
  Question: "a question that asks for nothing to be sent (no request verb such as \"me vê\", \"manda\" or \"separa\")",
  Phone: "its number is a phone number",
  Money: "its number is money (R$, reais, cents, troco, pix, a price)",
  Time: "its number is a time (15h, 10 minutos, às 8)",
  DateOrScore: "its number is a date or a score (dia 15, 15/03, 10/10)",
  Address: "its number is part of an address (rua, apto, bloco, casa, o 302)",
  Label: "its number labels something (pedido 1234, elevador 2, nota 10)",
  NotAProduct: "the word after its number is not goods",
  NoProduct: "a number with no product",
  Prose: "too long to be one order line",
  NoQuantityNotOnTable: "no quantity, and it names no product of the table (nor is it a line of a list)",
  NumberNotOnTable: "a number after words that name no product of the table",
  NotAnOrder: "the message has no line with a quantity of a product on the table, nor a quantity in digits"
}

const quantityKinds: Record<QuantityKind, string> = {
  Stated: "quantity before the product, or with a unit or x",
  Trailing: "a bare number after the product",
  AfterWords: "a quantity after other words",
  Assumed: "no quantity: 1 assumed"
}

const lineWhy = (verdict: OrderReading.Verdict, match: MatchExplanation | null): readonly ["Priced" | "Check", string] => {
  if (verdict._tag === "Unreadable") return ["Check", "digits where the quantity goes that read as no quantity"]
  if (verdict._tag !== "Line") return ["Check", ""]
  const decision = match?.decision ?? ""
  switch (verdict.result._tag) {
    case "Matched":
      return ["Priced", `${verdict.result.item.name}: ${decision}`]
    case "Ambiguous":
      return ["Check", `could be ${verdict.result.candidates.map((item) => item.name).join(", ")}: ${decision}`]
    case "UnitMismatch":
      return ["Check", decision]
    case "NotFound":
      return ["Check", `not on the table: ${decision}`]
  }
}

/** Reads `message` against the table as `Quote.fromMessage` does, and says why of every piece. */
export const explain = (matcher: ProductMatcher, message: string): Explanation => {
  const reading = OrderReading.read(matcher, message)
  const pieces = reading.segments.map(({ segment, verdict }): ExplainedPiece => {
    const { reading: parsed } = segment
    const read: ReadLine | null = parsed._tag === "Line"
      ? {
        quantity: Quantity.format(parsed.line.quantity),
        unit: parsed.line.unit,
        product: parsed.line.product,
        quantityKind: parsed.kind,
        ignored: parsed.ignored,
        inherited: parsed.inherited
      }
      : null
    const match = parsed._tag === "Line" ? matcher.explain(parsed.line) : null
    if (verdict._tag === "Chatter") {
      const word = verdict.word === "" ? "" : ` ("${verdict.word}")`
      return { text: segment.text, outcome: "Chatter", why: `${chatterReasons[verdict.reason]}${word}`, read, match }
    }
    const [outcome, why] = lineWhy(verdict, match)
    return { text: segment.text, outcome, why, read, match }
  })
  return { message, isOrder: reading.isOrder, pieces }
}

const score = (value: number) => value.toFixed(2)

/** The explanation as lines of text, for a log or a developer. */
export const text = (explanation: Explanation): string => {
  const lines = [explanation.isOrder ? "order" : "not an order"]
  for (const piece of explanation.pieces) {
    lines.push(`"${piece.text}": ${piece.outcome.toLowerCase()}, ${piece.why}`)
    if (piece.read !== null) {
      const { ignored, inherited, product, quantity, quantityKind, unit } = piece.read
      const extras = [ignored === "" ? "" : `ignored "${ignored}"`, inherited === null ? "" : `${inherited} from the line before`]
      lines.push(
        `  read ${quantity} ${unit ?? "(no unit)"} of "${product}" (${quantityKinds[quantityKind]})${
          extras.filter((extra) => extra !== "").map((extra) => `; ${extra}`).join("")
        }`
      )
    }
    for (const candidate of piece.match?.candidates ?? []) {
      const aside = candidate.setAside === null ? "" : ` (set aside: ${candidate.setAside})`
      lines.push(`  ${score(candidate.score)} ${candidate.item.name}${aside}`)
    }
  }
  return lines.join("\n")
}
