/**
 * Semicolon CSV as spreadsheets set to pt-BR open it: cells quoted where they must be, amounts with a decimal comma,
 * CRLF line ends and a byte-order mark, so a spreadsheet reads the accents.
 */

/** A cell as written: quoted (its quotes doubled) when it holds a separator, a quote or a line end. */
export const cell = (value: string) => (/[;"\r\n]/.test(value) ? `"${value.replace(/"/g, "\"\"")}"` : value)

/** `1234,50`: centavos as a spreadsheet in pt-BR reads an amount, without thousands separators. */
export const amount = (centavos: number) => `${Math.floor(centavos / 100)},${String(centavos % 100).padStart(2, "0")}`

/** The document: the header row, then one row per record, every cell written with `cell`. */
export const document = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  "\uFEFF" + [header, ...rows].map((row) => row.map(cell).join(";")).join("\r\n") + "\r\n"
