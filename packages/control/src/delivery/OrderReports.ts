/**
 * The port through which the delivery reports orders to their sellers (the bot implements it): the pacing slot of a
 * seller's chat, the report messages for the orders waiting (as many per message as fit, a long one in parts), and
 * the send itself, whose failures say whether a later try could succeed.
 */
import type { Quote } from "@vigia/domain/Quote"
import { Context, type Effect, Schema } from "effect"
import type { ReplyState } from "../data/Orders.ts"

/** Supergroup and channel ids are `-100` followed by the channel's own id: below -10^12. */
const channelIdOffset = 1_000_000_000_000
/** TDLib's id of a message on Telegram's servers is the server's id shifted left by 20 bits. */
const serverIdFactor = 2 ** 20

/**
 * `https://t.me/c/{channel}/{message}` for a message of a supergroup or channel (readable by its members); none
 * for a basic group or private chat, or a message that is not on Telegram's servers yet.
 */
export const messageLink = (chatId: number, messageId: number): string | null => {
  if (chatId >= -channelIdOffset || messageId <= 0 || messageId % serverIdFactor !== 0) return null
  return `https://t.me/c/${-chatId - channelIdOffset}/${messageId / serverIdFactor}`
}

/** An order as its seller reads it. */
export interface OrderReport {
  readonly orderId: number
  /** 0: a new order; more: the order was edited, and this is its new quote. */
  readonly revision: number
  readonly groupTitle: string
  readonly customerName: string
  /** A link to the message in the group, when Telegram can make one (supergroups). */
  readonly link: string | null
  readonly quote: Quote
  /** Where the group reply stands as the report is written (`none`: no reply was due). */
  readonly reply: ReplyState
}

/** One message to a seller: the reports it holds, or one part of a report too long for one message. */
export interface ReportMessage {
  readonly text: string
  readonly reports: ReadonlyArray<OrderReport>
  /** False for a part of a long report that more parts follow: its order is reported with its last part. */
  readonly last: boolean
}

export const ReportFailure = Schema.Literals([
  /** The seller blocked the bot (403): nothing reaches them until they come back. */
  "Blocked",
  /** Telegram knows no such chat (400): the seller deleted their account, or never started the bot. */
  "ChatNotFound",
  /** Telegram refused the message for another reason (4xx): sending it again would be refused again. */
  "Refused",
  /** Telegram failed (5xx), or could not be reached: a later try may succeed. */
  "Unavailable"
])
export type ReportFailure = typeof ReportFailure.Type

/** A report Telegram did not take; `permanent` when trying again would not help. */
export class ReportFailed extends Schema.TaggedError<ReportFailed>()("ReportFailed", {
  reason: ReportFailure,
  /** Telegram's code and description, for the ledger and the logs. */
  detail: Schema.String
}) {
  get permanent(): boolean {
    return this.reason !== "Unavailable"
  }

  override get message() {
    return `the report was not delivered (${this.reason}): ${this.detail}`
  }
}

export class OrderReports extends Context.Service<OrderReports, {
  /** Waits for the chat's turn under the bot's pacing, so that the reports waiting meanwhile go out together. */
  readonly ready: (chatId: number) => Effect.Effect<void>
  /** The messages for `reports`, in order: as many whole reports per message as fit, a longer one in parts. */
  readonly compose: (reports: ReadonlyArray<OrderReport>) => ReadonlyArray<ReportMessage>
  /** Sends one message into the seller's chat, its turn taken with `ready`; every flood wait is waited out. */
  readonly send: (chatId: number, message: ReportMessage) => Effect.Effect<void, ReportFailed>
}>()("@vigia/control/delivery/OrderReports") {}
