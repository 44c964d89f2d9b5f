/**
 * What the bot says about a seller's past orders, in Brazilian Portuguese: `/pedidos` (a day's orders, its totals,
 * the buttons to other days, groups and pages) and `/exportar` (the period's CSV, and what it refuses).
 */
import * as Money from "@vigia/domain/Money"
import * as Quote from "@vigia/domain/Quote"
import type { Centavos } from "@vigia/domain/PriceTable"
import { display, maxDays, type PeriodProblem } from "./OrderPeriods.ts"
import { plural } from "./Texts.ts"

/** A name cut to `max` characters, for a header line or a button. */
export const short = (name: string, max: number) => (name.length > max ? `${name.slice(0, max - 1)}…` : name)

/** `30/11/2026 (hoje)`. */
export const dayLabel = (day: string, today: string, yesterday: string) =>
  `${display(day)}${day === today ? " (hoje)" : day === yesterday ? " (ontem)" : ""}`

export const orderCount = (count: number) => plural(count, "pedido", "pedidos")

/** `3 pedidos · R$ 45,00`. */
export const totals = (count: number, total: number) => `${orderCount(count)} · ${Money.format(total as Centavos)}`

export const dayTitle = (label: string, group: string | null) => `📦 Pedidos de ${label}${group === null ? "" : ` — ${short(group, 40)}`}`
export const byGroup = "Por grupo:"
export const groupTotals = (title: string, count: number, total: number) => `• ${short(title, 40)}: ${totals(count, total)}`
export const moreGroups = (count: number) => `… e mais ${plural(count, "grupo", "grupos")}`
export const undeliveredCount = (count: number) =>
  `⚠️ ${plural(count, "pedido não entregue", "pedidos não entregues")} na hora (o bot estava bloqueado)`
export const pageLine = (page: number, pages: number) => `Página ${page + 1} de ${pages}`

export const noOrders = (label: string) => `📦 Nenhum pedido em ${label}.`
export const noOrdersInGroup = (label: string) => `📦 Nenhum pedido deste grupo em ${label}.`

export const undelivered = "⚠️ não entregue"

/** `🕑 14:05 · Feira de Sábado · Carlos Cliente`, and the mark of an order the seller never got. */
export const orderHead = (time: string, group: string, customer: string, delivered: boolean) =>
  `🕑 ${time} · ${group} · ${customer}${delivered ? "" : ` ${undelivered}`}`

/** `• 2 un × Coca-Cola 2L = R$ 19,00`. */
export const itemLine = (line: Quote.PricedLine) =>
  `• ${Quote.quantityText(line)} × ${short(line.item.name, 60)} = ${Money.format(line.total)}`
export const moreItems = (count: number) => `… e mais ${plural(count, "item", "itens")}`
export const unpriced = (count: number) => `+ ${plural(count, "item fora da tabela", "itens fora da tabela")} (fora do total)`
export const orderTotal = (total: Centavos) => `Total: ${Money.format(total)}`
export const link = (url: string) => `🔗 ${url}`

export const previousDay = (day: string) => `◀️ ${display(day).slice(0, 5)}`
export const nextDay = (day: string) => `${display(day).slice(0, 5)} ▶️`
export const previousPage = "⬅️ Página anterior"
export const nextPage = "Próxima página ➡️"
export const groupButton = (title: string, count: number) => `👥 ${short(title, 24)} (${count})`
export const allGroups = "🔙 Todos os grupos"

// /exportar

const periodExamples =
  "Exemplos:\n/exportar — os pedidos de hoje\n/exportar 7 — os últimos 7 dias\n" +
  "/exportar 01/11 30/11 — de 1º a 30 de novembro\n/exportar 2026-11-01 2026-11-30 — o mesmo, com o ano"

export const periodRefused: Record<PeriodProblem, string> = {
  Unreadable: `Não entendi o período. ${periodExamples}`,
  NoSuchDate: `Essa data não existe no calendário. ${periodExamples}`,
  Reversed: `A primeira data vem depois da segunda: escreva o período do início para o fim. ${periodExamples}`,
  TooLong: `O período pode ter no máximo ${maxDays} dias. Exporte em partes, por exemplo um mês de cada vez. ${periodExamples}`
}

/** `de 01/11/2026 a 30/11/2026`, or `de 30/11/2026` for one day. */
export const periodLabel = (first: string, last: string) =>
  first === last ? `de ${display(first)}` : `de ${display(first)} a ${display(last)}`

export const nothingToExport = (first: string, last: string) => `📄 Nenhum pedido ${periodLabel(first, last)}: não há o que exportar.`
export const exportCaption = (first: string, last: string, count: number, total: number) =>
  `📄 Pedidos ${periodLabel(first, last)}: ${totals(count, total)}. Uma linha por item; abra na planilha.`
export const exportFileName = (first: string, last: string) => first === last ? `pedidos-${first}.csv` : `pedidos-${first}-a-${last}.csv`

/** The CSV's columns. */
export const csvHeader = [
  "data",
  "hora",
  "grupo",
  "cliente",
  "item",
  "quantidade",
  "unidade",
  "preço unitário",
  "total da linha",
  "total do pedido",
  "situação",
  "link"
] as const
export const csvDelivered = "entregue"
export const csvUndelivered = "não entregue"
