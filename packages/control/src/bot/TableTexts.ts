/**
 * What the bot says about a seller's price table, in Brazilian Portuguese: the table, what a change would do and
 * what it did, and the questions it asks before changing anything; refusals of bad input are in `FailureTexts`.
 */
import * as Money from "@vigia/domain/Money"
import type { PriceItem, TableChanges } from "@vigia/domain/PriceTable"
import { plural } from "./Texts.ts"

/** `R$ 9,50/un`. */
export const priceOf = (item: Pick<PriceItem, "price" | "unit">) => `${Money.format(item.price)}/${item.unit}`

/** `• Coca-Cola 2L — R$ 9,50/un (coca, refri)`: one product as `/tabela` lists it. */
export const listingLine = (item: PriceItem) =>
  `• ${item.name} — ${priceOf(item)}${item.aliases.length > 0 ? ` (${item.aliases.join(", ")})` : ""}`

export const tableHeader = (count: number) => `📋 Sua tabela de preços: ${plural(count, "produto", "produtos")}.`
export const tableEmpty =
  "Sua tabela de preços está vazia. Use /tabela nova para enviar uma, ou /preco <produto> <preço> para incluir os produtos um a um."
export const tableMore = (count: number) =>
  `… e mais ${plural(count, "produto", "produtos")}. Use /tabela csv para receber a tabela completa.`
export const tableHowToChange =
  "Para mudar: /preco <produto> <preço> muda ou inclui um produto, /remover <produto> tira um, " +
  "/tabela nova troca a tabela inteira, /tabela csv baixa como planilha e /desfazer volta a última mudança."
export const tableUsage =
  "Use /tabela para ver sua tabela, /tabela nova para trocar a tabela inteira ou /tabela csv para baixá-la como planilha."

export const askTable =
  "Envie a nova tabela como texto (um produto por linha, ex.: “Coca-Cola 2L = 9,50”) ou como arquivo CSV " +
  "(colunas nome;preco;unidade;apelidos). Antes de trocar, eu mostro o que muda e peço a sua confirmação. " +
  "Use /cancelar para desistir."
export const csvCaption = (count: number) =>
  `📄 Sua tabela (${plural(count, "produto", "produtos")}). Edite na planilha, salve como CSV e envie de volta depois de /tabela nova.`
export const csvFileName = "tabela-de-precos.csv"

const maxNames = 10

const names = (items: ReadonlyArray<PriceItem>) =>
  items.slice(0, maxNames).map((item) => item.name).join(", ") +
  (items.length > maxNames ? ` … e mais ${items.length - maxNames}` : "")

/** What a change does, a line per kind of change (none for a kind that does not occur). */
const changeLines = (changes: TableChanges): Array<string> => [
  ...(changes.added.length === 0 ? [] : [`➕ ${plural(changes.added.length, "novo", "novos")}: ${names(changes.added)}`]),
  ...(changes.removed.length === 0 ? [] : [`➖ ${plural(changes.removed.length, "removido", "removidos")}: ${names(changes.removed)}`]),
  ...(changes.changed.length === 0 ? [] : [
    `✏️ ${plural(changes.changed.length, "mudou", "mudaram")}:`,
    ...changes.changed.slice(0, maxNames).map(({ after, before }) =>
      `• ${after.name}: ${priceOf(before)} → ${priceOf(after)}${before.name === after.name ? "" : ` (era “${before.name}”)`}`
    ),
    ...(changes.changed.length > maxNames ? [`… e mais ${changes.changed.length - maxNames}`] : [])
  ]),
  ...(changes.unchanged === 0 ? [] : [`= ${changes.unchanged} sem mudança`])
]

/** The whole table about to be replaced: what changes, the lines left out (listed in the message before), and the question. */
export const replacePreview = (changes: TableChanges, count: number, ignoredLines: number) =>
  [
    `📋 Nova tabela: ${plural(count, "produto", "produtos")}.`,
    ...changeLines(changes),
    ...(ignoredLines === 0 ? [] : [`⚠️ ${plural(ignoredLines, "linha ignorada", "linhas ignoradas")} (veja acima): elas não entram.`]),
    "",
    "Troco a sua tabela por esta?"
  ].join("\n")
export const replaceButton = "✅ Trocar a tabela"
export const cancelButton = "✖️ Cancelar"
export const tableUnchanged = "A tabela enviada é igual à sua tabela atual: nada muda."

export const tableReplaced = (count: number) =>
  `✅ Tabela atualizada: ${plural(count, "produto", "produtos")}. Use /desfazer para voltar à anterior.`
export const draftStale = "⚠️ Sua tabela mudou depois dessa pergunta, então não mudei nada. Confira com /tabela e mande de novo."
export const draftGone = "Essa pergunta já foi respondida ou expirou: nada mudou."
export const draftCancelled = "Ok, nada mudou na sua tabela."

export const priceUsage =
  "Use: /preco <produto> <preço>, por exemplo /preco Coca-Cola 2L 9,50 (ou, com a unidade, /preco Carne moída 42,90/kg)."
export const removeUsage = "Use: /remover <produto>, por exemplo /remover Coca-Cola 2L."
const undoHint = "Use /desfazer para voltar."
export const priceSet = (before: PriceItem, after: PriceItem) =>
  `✏️ ${after.name}: ${priceOf(before)} → ${priceOf(after)}. ${undoHint}`
export const priceSame = (item: PriceItem) => `${item.name} já custa ${priceOf(item)}: nada mudou.`
export const itemAdded = (item: PriceItem) => `➕ Produto novo na tabela: ${item.name} — ${priceOf(item)}. ${undoHint}`
export const itemRemoved = (item: PriceItem) => `➖ Tirei ${item.name} da tabela. ${undoHint}`
export const removeNotFound = (typed: string) => `Não encontrei “${typed}” na sua tabela. Use /tabela para ver os produtos.`

/** `/preco` named no product exactly: which one it means, or a new one. */
export const askWhichToPrice = (typed: string, price: string) =>
  `Não achei “${typed}” exatamente na sua tabela. Qual produto passa a custar ${price}?`
/** A product's name short enough for a button. */
const short = (name: string) => (name.length > 40 ? `${name.slice(0, 39)}…` : name)
export const priceButton = (item: PriceItem) => `✏️ ${short(item.name)} (hoje ${priceOf(item)})`
export const addButton = (typed: string) => `➕ Produto novo: ${short(typed)}`
export const askWhichToRemove = (typed: string) => `Não achei “${typed}” exatamente na sua tabela. Qual produto eu tiro?`
export const removeButton = (item: PriceItem) => `➖ ${short(item.name)} (${priceOf(item)})`

export const undone = (changes: TableChanges, count: number) =>
  [`↩️ Voltei a tabela para antes da última mudança: ${plural(count, "produto", "produtos")}.`, ...changeLines(changes)].join("\n")
export const nothingToUndo = "Não há mudança na sua tabela para desfazer."
