/**
 * Turns a message from an active group (or an edit of one) into an order in the ledger: read and priced against the
 * seller's table, recorded in one statement that also claims the message, and handed to the delivery, which reports
 * it to the seller and, with automatic replies on an advanced plan, answers it in the group.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { effectiveLimits, SubscriptionTerms } from "@vigia/domain/Subscription"
import type { MessageEdited, NewMessage } from "@vigia/protocol/Messages"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import type { DatabaseError } from "../data/Database.ts"
import { type NewOrder, type Order, type OrderContext, Orders } from "../data/Orders.ts"
import { PriceTables } from "../data/PriceTables.ts"
import type { UserId } from "../data/UserId.ts"
import { OrderDelivery } from "../delivery/OrderDelivery.ts"
import { currentTraceParent } from "../observability/Traces.ts"

/** Telegram's limit on a message's text. */
const maxReplyLength = 4096
/** Matchers kept; the least recently used goes first. */
const matcherCacheSize = 1_000

/**
 * Whether a quote is worth the seller's attention: some line priced, or some unmatched line that is more than
 * chatter. A line the table knows nothing of counts only with a quantity in digits: "2 coxinhas" is an order of
 * something the table lacks, "um abraço" is not an order.
 */
export const isOrder = (quote: Quote.Quote): boolean =>
  quote.priced.length > 0 ||
  quote.unmatched.some((unmatched) =>
    unmatched.reason !== "NotFound" || (unmatched.line.quantityGiven && /\d/.test(unmatched.line.text))
  )

/**
 * The quote as posted in the group: its priced lines and total only. Nothing else the customer wrote (a link, a
 * line the table does not know) is ever repeated into the group; the seller sees it in the bot. Past Telegram's
 * length, the last lines give way to a count of them.
 */
export const groupReplyText = (quote: Quote.Quote): string => {
  const full = Quote.text(new Quote.Quote({ priced: quote.priced, unmatched: [], total: quote.total }))
  if (full.length <= maxReplyLength) return full
  const lines = full.split("\n")
  const total = lines.pop() ?? ""
  while (lines.length > 1 && [...lines, "…", total].join("\n").length > maxReplyLength - 40) lines.pop()
  return [...lines, `… e mais ${quote.priced.length - (lines.length - 1)} itens`, total].join("\n")
}

/** What became of a group message. */
export type Intake =
  | { readonly _tag: "NoSession" }
  | { readonly _tag: "NotActive" }
  | { readonly _tag: "NotAnOrder" }
  /** Recorded already: the same message (or the same edit) delivered again. */
  | { readonly _tag: "Duplicate" }
  | { readonly _tag: "Recorded"; readonly order: Order }

interface CachedMatcher {
  readonly version: number
  readonly matcher: ProductMatcher.ProductMatcher
}

/** Whether the seller's plan allows automatic replies now. */
const canReply = (context: OrderContext, now: Date) =>
  context.plan !== null &&
  effectiveLimits(
    new SubscriptionTerms({
      plan: context.plan,
      overrides: context.featureOverrides ?? {},
      expiresAt: context.expiresAt,
      isActive: context.isActive ?? false
    }),
    now
  ).canUseAdvancedFeatures

export class PurchaseHandler extends Context.Service<PurchaseHandler, {
  /** Reads `message`, seen by the account `phone`, and records it in the ledger when it is an order. */
  readonly handle: (phone: PhoneNumber, message: NewMessage | MessageEdited) => Effect.Effect<Intake, DatabaseError>
}>()("@vigia/control/events/PurchaseHandler") {
  static readonly layer = Layer.effect(
    PurchaseHandler,
    Effect.gen(function*() {
      const orders = yield* Orders
      const tables = yield* PriceTables
      const delivery = yield* OrderDelivery
      const matchers = new Map<UserId, CachedMatcher>()

      /** The matcher of the seller's table at `version`, read again only when the table changed since. */
      const matcherFor = Effect.fnUntraced(function*(userId: UserId, version: number) {
        const cached = matchers.get(userId)
        matchers.delete(userId)
        const entry = cached?.version === version
          ? cached
          : { version, matcher: ProductMatcher.make(yield* tables.get(userId)) }
        matchers.set(userId, entry)
        for (const oldest of matchers.keys()) {
          if (matchers.size <= matcherCacheSize) break
          matchers.delete(oldest)
        }
        return entry.matcher
      })

      const handle = Effect.fn("PurchaseHandler.handle")(function*(phone: PhoneNumber, message: NewMessage | MessageEdited) {
        const found = yield* orders.context(phone, message.chatId)
        if (Option.isNone(found)) return { _tag: "NoSession" } satisfies Intake
        const context = found.value
        if (!context.groupActive) return { _tag: "NotActive" } satisfies Intake
        const quote = Quote.fromMessage(yield* matcherFor(context.userId, context.priceTableVersion), message.text)
        const order = isOrder(quote)
        if (!order && message._tag === "NewMessage") return { _tag: "NotAnOrder" } satisfies Intake
        const now = yield* DateTime.nowAsDate
        const recorded: NewOrder = {
          userId: context.userId,
          phoneNumber: phone,
          chatId: message.chatId,
          messageId: message.messageId,
          sellerChatId: context.sellerChatId,
          groupTitle: context.groupTitle ?? `Grupo ${message.chatId}`,
          customerId: message.senderId,
          customerName: message.senderName,
          text: message.text,
          quote,
          // An edit is not answered again in the group: the reply, if any, stays the one posted.
          replyText: message._tag === "NewMessage" && context.autoReply && quote.priced.length > 0 && canReply(context, now)
            ? groupReplyText(quote)
            : null,
          traceParent: yield* currentTraceParent
        }
        const written = message._tag === "NewMessage"
          ? yield* orders.record(recorded, delivery.lease)
          : yield* orders.recordRevision({ ...recorded, editDate: message.editDate, isOrder: order }, delivery.lease)
        if (Option.isNone(written)) return { _tag: "Duplicate" } satisfies Intake
        yield* delivery.submit(written.value)
        return { _tag: "Recorded", order: written.value } satisfies Intake
      })

      return PurchaseHandler.of({ handle })
    })
  )
}
