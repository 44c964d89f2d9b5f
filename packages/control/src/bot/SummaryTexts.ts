/**
 * What the bot says about the daily summary and the seller's time zone, in Brazilian Portuguese: `/resumo` and `/fuso`
 * with their answers, and the summary itself.
 */
import * as Money from "@vigia/domain/Money"
import { Centavos } from "@vigia/domain/PriceTable"
import type { Day } from "../data/DailySummaries.ts"
import type { PastOrder } from "../data/OrderHistory.ts"
import type { Settings, TimeOfDay } from "../data/SellerSettings.ts"
import { coversYesterday, formatTime } from "./SummaryTimes.ts"
import { plural } from "./Texts.ts"

const howTo = "Use /resumo 20h (ou 8h, 20:30…) para escolher o horário e /resumo desligar para desligar."

const whichDay = (at: TimeOfDay) => (coversYesterday(at) ? "os pedidos de ontem" : "os pedidos do dia")

/** A group's orders of the day. */
export interface GroupTotal {
  readonly title: string
  readonly orders: number
  readonly totalCentavos: number
}

/** The day's orders per group (by chat; its latest title), busiest first. */
export const totalsByGroup = (orders: ReadonlyArray<PastOrder>): ReadonlyArray<GroupTotal> => {
  const groups = new Map<number, GroupTotal>()
  for (const order of orders) {
    const group = groups.get(order.chatId)
    groups.set(order.chatId, {
      title: order.groupTitle,
      orders: (group?.orders ?? 0) + 1,
      totalCentavos: (group?.totalCentavos ?? 0) + order.quote.total
    })
  }
  return [...groups.values()].sort((a, b) => b.totalCentavos - a.totalCentavos || a.title.localeCompare(b.title))
}

/** `/resumo` alone: the summary's setting and how to change it. */
export const summarySetting = (settings: Settings) => {
  const at = settings.summaryAt
  const zone = `Fuso horário: ${settings.timeZone} (mude com /fuso).`
  if (at === null) {
    return `📊 O resumo diário está desligado.\n\nLigado, ele chega todo dia no horário que você escolher, com o número de pedidos e o total de cada grupo.\n${howTo}\n${zone}`
  }
  const paused = settings.summaryBlocked
    ? "\n\n⚠️ Ele está pausado: o Telegram não deixou eu te enviar (o bot estava bloqueado). Use /resumo com o horário para voltar a receber."
    : ""
  return `📊 Você recebe o resumo todo dia às ${formatTime(at)}, com ${whichDay(at)}.${paused}\n\n${howTo}\n${zone}`
}

export const summaryOn = (at: TimeOfDay, timeZone: string) =>
  `✅ Resumo diário ligado: todo dia às ${formatTime(at)} (${timeZone}) eu te mando ${whichDay(at)}, ` +
  `com o número de pedidos e o total de cada grupo. Se hoje esse horário já passou, o de hoje chega em instantes.\n` +
  "Use /resumo desligar para desligar."

export const summaryOff = "Resumo diário desligado. Use /resumo 20h para ligar de novo."

export const summaryInvalid =
  "Não entendi o horário. Use, por exemplo, /resumo 20h, /resumo 8h30 ou /resumo 20:00 (de 0h a 23h59), ou /resumo desligar."

/** `/fuso` alone. */
export const timeZoneSetting = (timeZone: string, clock: string) =>
  `🕒 Seu fuso horário: ${timeZone} (agora são ${clock} aí).\nPara mudar, envie /fuso com o nome do fuso, ex.: /fuso America/Manaus, /fuso America/Recife, /fuso America/Rio_Branco.`

export const timeZoneSet = (timeZone: string, clock: string) =>
  `✅ Fuso horário: ${timeZone} (agora são ${clock} aí). O resumo diário segue esse horário.`

export const timeZoneInvalid = (text: string) =>
  `Não conheço o fuso “${text.slice(0, 60)}”. Use o nome do fuso, ex.: /fuso America/Sao_Paulo, /fuso America/Manaus, /fuso America/Noronha.`

/** `30/11 (segunda-feira)`. */
const dayName = (day: Day) => {
  const date = new Date(`${day}T12:00:00Z`)
  const short = new Intl.DateTimeFormat("pt-BR", { timeZone: "UTC", day: "2-digit", month: "2-digit" }).format(date)
  const weekday = new Intl.DateTimeFormat("pt-BR", { timeZone: "UTC", weekday: "long" }).format(date)
  return `${short} (${weekday})`
}

const money = (centavos: number) => Money.format(Centavos.make(centavos))
const orders = (count: number) => plural(count, "pedido", "pedidos")

/** The groups a summary lists by name, each name cut to `maxTitle`; the rest are summed in one line: one message. */
const maxGroups = 30
const maxTitle = 60

const titleOf = (group: GroupTotal) =>
  group.title === "" ? "Grupo" : group.title.length > maxTitle ? `${group.title.slice(0, maxTitle - 1)}…` : group.title

/** The summary of `day`, which is the seller's today or yesterday. */
export const summary = (day: Day, today: boolean, totals: ReadonlyArray<GroupTotal>) => {
  const head = `📊 Resumo de ${today ? "hoje" : "ontem"}, ${dayName(day)}`
  if (totals.length === 0) return `${head}\n\nNenhum pedido ${today ? "hoje" : "ontem"}.`
  const shown = totals.slice(0, maxGroups).map((group) => `• ${titleOf(group)}: ${orders(group.orders)} — ${money(group.totalCentavos)}`)
  const rest = totals.slice(maxGroups)
  const more = rest.length === 0
    ? []
    : [`• mais ${plural(rest.length, "grupo", "grupos")}: ${orders(rest.reduce((sum, group) => sum + group.orders, 0))} — ${money(rest.reduce((sum, group) => sum + group.totalCentavos, 0))}`]
  const count = totals.reduce((sum, group) => sum + group.orders, 0)
  const total = totals.reduce((sum, group) => sum + group.totalCentavos, 0)
  return [head, "", ...shown, ...more, "", `Total: ${orders(count)} — ${money(total)}`].join("\n")
}
