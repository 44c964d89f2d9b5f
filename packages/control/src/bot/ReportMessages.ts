/**
 * The messages that carry order reports to a seller: as many whole reports per message as fit Telegram's 4,096
 * characters, in order; a report longer than that alone goes in numbered parts, split between lines.
 */
import * as Quote from "@vigia/domain/Quote"
import type { OrderReport, ReportMessage } from "../delivery/OrderReports.ts"
import * as Texts from "./Texts.ts"

/** Telegram's longest message text. */
export const maxLength = 4096

const head = (report: OrderReport, part?: { readonly index: number; readonly of: number }) =>
  Texts.orderReportHead(report.groupTitle, report.revision > 0, part)

const body = (report: OrderReport) => Texts.orderReportBody(report.customerName, Quote.text(report.quote), report.link, report.reply)

/** `text` cut into pieces of at most `limit` characters, between lines where it can be. */
const pieces = (text: string, limit: number): Array<string> => {
  const result: Array<string> = []
  let current = ""
  for (const line of text.split("\n").flatMap((line) => line.length <= limit ? [line] : line.match(new RegExp(`[^]{1,${limit}}`, "g")) ?? [])) {
    if (current !== "" && current.length + 1 + line.length > limit) {
      result.push(current)
      current = ""
    }
    current = current === "" ? line : `${current}\n${line}`
  }
  if (current !== "") result.push(current)
  return result
}

/** A report too long for one message, in parts that each say which part they are. */
const parts = (report: OrderReport): Array<ReportMessage> => {
  // The longest head a part can have leaves the room for its piece of the body.
  const room = maxLength - head(report, { index: 999, of: 999 }).length - 1
  const bodies = pieces(body(report), room)
  return bodies.map((piece, index) => ({
    text: `${head(report, { index: index + 1, of: bodies.length })}\n${piece}`,
    reports: [report],
    last: index === bodies.length - 1
  }))
}

export const compose = (reports: ReadonlyArray<OrderReport>): ReadonlyArray<ReportMessage> => {
  const messages: Array<ReportMessage> = []
  let texts: Array<string> = []
  let held: Array<OrderReport> = []
  const flush = () => {
    if (held.length > 0) messages.push({ text: texts.join(Texts.reportSeparator), reports: held, last: true })
    texts = []
    held = []
  }
  for (const report of reports) {
    const text = `${head(report)}\n${body(report)}`
    if (text.length > maxLength) {
      flush()
      messages.push(...parts(report))
      continue
    }
    if (held.length > 0 && [...texts, text].join(Texts.reportSeparator).length > maxLength) flush()
    texts.push(text)
    held.push(report)
  }
  flush()
  return messages
}
