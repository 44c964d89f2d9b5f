/**
 * Reads a seller's price table from what they send the bot: one product per line
 * (`Coca-Cola 2L = 9,50`) or CSV with a header; good lines are kept, bad ones explained.
 * Also one product typed after a command (`parseItem`), and the table written back as CSV (`toCsv`).
 */
import { Result, Schema } from "effect"
import * as Csv from "./Csv.ts"
import * as Money from "./Money.ts"
import { PriceItem, type Unit } from "./PriceTable.ts"
import * as Quantity from "./Quantity.ts"
import { fold } from "./Words.ts"

export class InvalidPriceLine extends Schema.TaggedError<InvalidPriceLine>()("InvalidPriceLine", {
  line: Schema.Int,
  text: Schema.String,
  reason: Schema.Literals(["MissingName", "MissingPrice", "InvalidPrice", "UnknownUnit", "DuplicateProduct"]),
  message: Schema.String
}) {}

/** The products read and, for every line that could not be read, why (with its line number). */
export class ParsedPriceTable extends Schema.Class<ParsedPriceTable>("@vigia/domain/ParsedPriceTable")({
  items: Schema.Array(PriceItem),
  errors: Schema.Array(InvalidPriceLine)
}) {}

const unitNames = "un, kg, g, l, ml, cx, dz ou pct"

/** A line read into fields, before validation. */
interface Fields {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly price: string | undefined
  readonly unit: string | undefined
}

type LineResult = Result.Result<PriceItem, Pick<InvalidPriceLine, "reason" | "message">>

const refuse = (reason: InvalidPriceLine["reason"], message: string): LineResult => Result.fail({ reason, message })

const unitOfText = (text: string): Unit | undefined => {
  const word = fold(text.trim()).replace(/\.$/, "")
  return word === "" || word === "cada" ? "un" : Quantity.unitOf(word)
}

const splitAliases = (text: string): Array<string> =>
  text.split(/[,;|/]/).map((alias) => alias.trim()).filter((alias) => alias !== "")

const toItem = (fields: Fields): LineResult => {
  if (fields.name === "") return refuse("MissingName", "Falta o nome do produto antes do preço.")
  if (fields.price === undefined || fields.price.trim() === "") {
    return refuse(
      "MissingPrice",
      "Não encontrei o preço nesta linha. Escreva nome = preço, por exemplo Coca-Cola 2L = 9,50."
    )
  }
  const price = Money.parse(fields.price)
  if (Result.isFailure(price)) return refuse("InvalidPrice", price.failure.message)
  const unit = unitOfText(fields.unit ?? "")
  if (unit === undefined) {
    return refuse("UnknownUnit", `Não conheço a unidade "${fields.unit?.trim()}". Use ${unitNames}.`)
  }
  return Result.succeed(new PriceItem({ name: fields.name, aliases: fields.aliases, unit, price: price.success }))
}

/** `name (alias, alias) <separator> [R$] price [/ unit]`, the separator being `=`, `:`, `-` or nothing. */
const textLine =
  /^(.*?)\s*(?:[=:\u2013\u2014-]+|\.{2,})?\s*(?:R\$\s*)?(-?\d(?:[\d.,]*\d)?)(?:\s*(?:\/|\bpor\b|\bo\b|\ba\b)?\s*([^\s\d/.,;:=!-][^\s\d.,;:=!]*))?\s*[.;!]?\s*$/iu
const aliasesInName = /^(.*?)\s*\(([^)]*)\)\s*(.*)$/
const bullet = /^(?:[-*•·▪►>]+\s*)+/u

const readTextLine = (line: string): Fields => {
  const cleaned = line.trim().replace(bullet, "")
  const match = textLine.exec(cleaned)
  const [name, aliases] = nameAndAliases(match?.[1] ?? cleaned)
  return { name, aliases, price: match?.[2], unit: match?.[3] }
}

const nameAndAliases = (text: string): readonly [string, Array<string>] => {
  const match = aliasesInName.exec(text)
  if (match === null) return [text.trim().replace(/\*/g, "").trim(), []]
  const name = `${match[1] ?? ""} ${match[3] ?? ""}`.replace(/\*/g, "").replace(/\s+/g, " ").trim()
  return [name, splitAliases(match[2] ?? "")]
}

/** Splits one CSV record, honouring double quotes (`"9,50"`, `"a ""b"""`). */
const splitCsv = (line: string, delimiter: string): Array<string> => {
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  for (let index = 0; index < line.length; index++) {
    const char = line.charAt(index)
    if (quoted) {
      if (char === "\"" && line.charAt(index + 1) === "\"") {
        field += "\""
        index++
      } else if (char === "\"") quoted = false
      else field += char
    } else if (char === "\"") quoted = true
    else if (char === delimiter) {
      fields.push(field)
      field = ""
    } else field += char
  }
  fields.push(field)
  return fields.map((value) => value.trim())
}

const columnNames: Record<keyof Fields, ReadonlyArray<string>> = {
  name: ["nome", "produto", "descricao", "item"],
  price: ["preco", "valor", "preco (r$)", "valor (r$)"],
  unit: ["unidade", "un", "unid", "und"],
  aliases: ["apelidos", "apelido", "aliases", "sinonimos", "outros nomes"]
}

interface CsvLayout {
  readonly delimiter: string
  readonly columns: Record<keyof Fields, number>
}

/** The CSV layout a header line describes, when it names at least the name and price columns. */
const csvLayout = (header: string): CsvLayout | undefined => {
  const delimiter = header.includes(";") ? ";" : header.includes(",") ? "," : undefined
  if (delimiter === undefined) return undefined
  const names = splitCsv(fold(header), delimiter)
  const column = (key: keyof Fields) => names.findIndex((name) => columnNames[key].includes(name))
  const columns = { name: column("name"), price: column("price"), unit: column("unit"), aliases: column("aliases") }
  return columns.name >= 0 && columns.price >= 0 ? { delimiter, columns } : undefined
}

const readCsvLine = (layout: CsvLayout) => (line: string): Fields => {
  const cells = splitCsv(line, layout.delimiter)
  const cell = (key: keyof Fields) => layout.columns[key] >= 0 ? cells[layout.columns[key]] : undefined
  return {
    name: (cell("name") ?? "").trim(),
    aliases: splitAliases(cell("aliases") ?? ""),
    price: cell("price"),
    unit: cell("unit")
  }
}

const lineBreak = /\r\n|\r|\n/

const collect = (lines: ReadonlyArray<string>, firstLine: number, read: (line: string) => Fields): ParsedPriceTable => {
  const items: Array<PriceItem> = []
  const errors: Array<InvalidPriceLine> = []
  const seen = new Map<string, number>()
  lines.forEach((text, index) => {
    if (text.trim() === "") return
    const line = firstLine + index
    const result = toItem(read(text))
    if (Result.isFailure(result)) {
      errors.push(new InvalidPriceLine({ line, text, reason: result.failure.reason, message: result.failure.message }))
      return
    }
    const key = fold(result.success.name).replace(/\s+/g, " ")
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      errors.push(
        new InvalidPriceLine({
          line,
          text,
          reason: "DuplicateProduct",
          message: `"${result.success.name}" já aparece na linha ${earlier}; cada produto entra uma vez só.`
        })
      )
      return
    }
    seen.set(key, line)
    items.push(result.success)
  })
  return new ParsedPriceTable({ items, errors })
}

/**
 * A table in either format: CSV when the first line is a header naming at least the name
 * and price columns (`nome;preco;unidade;apelidos`, or comma-separated with quoted decimal
 * commas), else one product per line (`Coca-Cola 2L = 9,50`, `Pão de queijo (pdq) - R$ 1,20 / un`,
 * `Arroz 5kg: 27.90`). Line numbers count every line of `text` from 1, header included.
 */
export const parse = (text: string): ParsedPriceTable => {
  const lines = text.split(lineBreak)
  const headerIndex = lines.findIndex((line) => line.trim() !== "")
  const layout = headerIndex >= 0 ? csvLayout(lines[headerIndex] ?? "") : undefined
  return layout === undefined
    ? collect(lines, 1, readTextLine)
    : collect(lines.slice(headerIndex + 1), headerIndex + 2, readCsvLine(layout))
}

/** A product as typed after a command (`Coca-Cola 2L 9,50`, `Carne moída = 42,90/kg`), and whether a unit was typed. */
export interface TypedItem {
  readonly item: PriceItem
  readonly unitGiven: boolean
}

/** One product in the table's line format; why not when it does not read (the reasons of `InvalidPriceLine`). */
export const parseItem = (text: string): Result.Result<TypedItem, Pick<InvalidPriceLine, "reason" | "message">> => {
  const fields = readTextLine(text)
  return Result.map(toItem(fields), (item) => ({ item, unitGiven: (fields.unit ?? "").trim() !== "" }))
}

/**
 * The table as semicolon CSV with the header `nome;preco;unidade;apelidos`: what spreadsheets in pt-BR open, and what
 * `parse` reads back to the same items.
 */
export const toCsv = (items: ReadonlyArray<PriceItem>): string =>
  Csv.document(
    ["nome", "preco", "unidade", "apelidos"],
    items.map((item) => [item.name, Csv.amount(item.price), item.unit, item.aliases.join(", ")])
  )
