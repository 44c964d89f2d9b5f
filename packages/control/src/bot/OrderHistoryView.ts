/**
 * `/pedidos` as the seller sees it: one day's orders (of every group, or of one), the totals at the top, and the
 * orders in pages under Telegram's 4,096 characters, with buttons to the other pages, the days around, and the
 * groups; what a button shows is all in its callback data (`pd:{day}:{group or *}:{page}`, under Telegram's 64 bytes).
 */
import type { InlineKeyboardButton } from "grammy/types"
import type { PastOrder } from "../data/OrderHistory.ts"
import { messageLink } from "../delivery/OrderReports.ts"
import { addDays, compact, fromCompact, timeAt } from "./OrderPeriods.ts"
import * as OrderHistoryTexts from "./OrderHistoryTexts.ts"
import { pageStarts } from "./Paging.ts"

export const buttonPrefix = "pd:"

/** What a `/pedidos` message shows: a day, one group's orders or every group's (`null`), and a page. */
export interface HistoryView {
  readonly day: string
  readonly group: number | null
  readonly page: number
}

export const callbackData = (view: HistoryView) => `${buttonPrefix}${compact(view.day)}:${view.group ?? "*"}:${view.page}`

/** The view a button's callback data names; none for data that names none. */
export const viewOf = (data: string): HistoryView | undefined => {
  const match = /^pd:(\d{8}):(\*|-?\d{1,20}):(\d{1,4})$/.exec(data)
  const day = fromCompact(match?.[1] ?? "")
  if (match === null || day === undefined) return undefined
  const group = match[2] === "*" ? null : Number(match[2])
  return group === null || Number.isSafeInteger(group) ? { day, group, page: Number(match[3]) } : undefined
}

/** Most items listed per order, groups totalled in the header, and groups offered as buttons. */
const maxItems = 10
const maxGroupLines = 10
const maxGroupButtons = 6

/** One order: when, where, who, what, the total, and the link to the message where Telegram has one. */
export const orderBlock = (order: PastOrder, timeZone: string): string => {
  const { priced, total, unmatched } = order.quote
  const link = messageLink(order.chatId, order.messageId)
  return [
    OrderHistoryTexts.orderHead(
      timeAt(order.orderedAt, timeZone),
      OrderHistoryTexts.short(order.groupTitle, 40),
      OrderHistoryTexts.short(order.customerName, 40),
      order.reportState !== "undelivered"
    ),
    ...priced.slice(0, maxItems).map(OrderHistoryTexts.itemLine),
    ...(priced.length > maxItems ? [OrderHistoryTexts.moreItems(priced.length - maxItems)] : []),
    ...(unmatched.length > 0 ? [OrderHistoryTexts.unpriced(unmatched.length)] : []),
    OrderHistoryTexts.orderTotal(total),
    ...(link === null ? [] : [OrderHistoryTexts.link(link)])
  ].join("\n")
}

interface GroupSummary {
  readonly chatId: number
  readonly title: string
  readonly count: number
  readonly total: number
}

/** Each group's orders and total, the largest total first. */
const summaries = (orders: ReadonlyArray<PastOrder>): ReadonlyArray<GroupSummary> => {
  const groups = new Map<number, GroupSummary>()
  for (const order of orders) {
    const known = groups.get(order.chatId)
    groups.set(order.chatId, {
      chatId: order.chatId,
      title: order.groupTitle,
      count: (known?.count ?? 0) + 1,
      total: (known?.total ?? 0) + order.quote.total
    })
  }
  return [...groups.values()].sort((a, b) => b.total - a.total || a.title.localeCompare(b.title))
}

const sumOf = (orders: ReadonlyArray<PastOrder>) => orders.reduce((sum, order) => sum + order.quote.total, 0)

const button = (text: string, view: HistoryView): InlineKeyboardButton => ({ text, callback_data: callbackData(view) })

const header = (orders: ReadonlyArray<PastOrder>, groups: ReadonlyArray<GroupSummary>, label: string, filtered: boolean) => {
  const undelivered = orders.filter((order) => order.reportState === "undelivered").length
  return [
    OrderHistoryTexts.dayTitle(label, filtered ? groups[0]?.title ?? null : null),
    OrderHistoryTexts.totals(orders.length, sumOf(orders)),
    ...(filtered || groups.length < 2 ? [] : [
      OrderHistoryTexts.byGroup,
      ...groups.slice(0, maxGroupLines).map((group) => OrderHistoryTexts.groupTotals(group.title, group.count, group.total)),
      ...(groups.length > maxGroupLines ? [OrderHistoryTexts.moreGroups(groups.length - maxGroupLines)] : [])
    ]),
    ...(undelivered > 0 ? [OrderHistoryTexts.undeliveredCount(undelivered)] : [])
  ].join("\n")
}

/** Two buttons a row. */
const rows = (buttons: ReadonlyArray<InlineKeyboardButton>) =>
  Array.from({ length: Math.ceil(buttons.length / 2) }, (_, index) => buttons.slice(index * 2, index * 2 + 2))

/** The message `/pedidos` shows for `view`, from the day's orders (every group's), on `today` in `timeZone`. */
export const render = (
  dayOrders: ReadonlyArray<PastOrder>,
  view: HistoryView,
  clock: { readonly today: string; readonly timeZone: string }
): { readonly text: string; readonly keyboard: ReadonlyArray<ReadonlyArray<InlineKeyboardButton>> } => {
  const label = OrderHistoryTexts.dayLabel(view.day, clock.today, addDays(clock.today, -1))
  const orders = view.group === null ? dayOrders : dayOrders.filter((order) => order.chatId === view.group)
  const before = addDays(view.day, -1)
  const after = addDays(view.day, 1)
  const days = [
    button(OrderHistoryTexts.previousDay(before), { day: before, group: view.group, page: 0 }),
    ...(after <= clock.today ? [button(OrderHistoryTexts.nextDay(after), { day: after, group: view.group, page: 0 })] : [])
  ]
  const back = view.group === null ? [] : [[button(OrderHistoryTexts.allGroups, { day: view.day, group: null, page: 0 })]]
  if (orders.length === 0) {
    return {
      text: view.group === null ? OrderHistoryTexts.noOrders(label) : OrderHistoryTexts.noOrdersInGroup(label),
      keyboard: [days, ...back]
    }
  }
  const groups = summaries(orders)
  const top = header(orders, groups, label, view.group !== null)
  const blocks = orders.map((order) => orderBlock(order, clock.timeZone))
  const starts = pageStarts(top, blocks, "\n\n")
  const page = Math.min(view.page, starts.length - 1)
  const shown = blocks.slice(starts[page], starts[page + 1] ?? blocks.length)
  const pages = starts.length > 1
    ? [[
      ...(page > 0 ? [button(OrderHistoryTexts.previousPage, { ...view, page: page - 1 })] : []),
      ...(page + 1 < starts.length ? [button(OrderHistoryTexts.nextPage, { ...view, page: page + 1 })] : [])
    ]]
    : []
  const groupButtons = view.group === null && groups.length > 1
    ? rows(groups.slice(0, maxGroupButtons).map((group) =>
      button(OrderHistoryTexts.groupButton(group.title, group.count), { day: view.day, group: group.chatId, page: 0 })
    ))
    : []
  return {
    text: [starts.length > 1 ? `${top}\n${OrderHistoryTexts.pageLine(page, starts.length)}` : top, ...shown].join("\n\n"),
    keyboard: [...pages, days, ...groupButtons, ...back]
  }
}
