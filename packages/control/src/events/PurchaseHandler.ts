/**
 * Turns a message from an active group (or an edit of one) into an order in the ledger: read and priced against the
 * seller's table, recorded in one statement that also claims the message, and handed to the delivery, which reports
 * it to the seller and, with automatic replies on an advanced plan, answers it in the group. The context of each
 * account's group (seller, plan, table's version) is held from one message to the next: an order priced in it is
 * recorded in the statement that checks it is unchanged, so an order costs one round trip to PostgreSQL.
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

/** The order `message` is, read in `context` (an edit is not answered again in the group: its reply stays the one posted). */
const orderOf = (
  phone: PhoneNumber,
  message: NewMessage | MessageEdited,
  context: OrderContext,
  quote: Quote.Quote,
  now: Date,
  traceParent: string | null
): NewOrder => ({
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
  replyText: message._tag === "NewMessage" && context.autoReply && quote.priced.length > 0 && canReply(context, now)
    ? groupReplyText(quote)
    : null,
  traceParent
})

/** Contexts kept (by account and group); the least recently used goes first. */
const contextCacheSize = 10_000

/** Keeps `key` → `value` as the most recent entry of `cache`, forgetting the oldest past `size`. */
const remember = <K, V>(cache: Map<K, V>, size: number, key: K, value: V) => {
  cache.delete(key)
  cache.set(key, value)
  for (const oldest of cache.keys()) {
    if (cache.size <= size) break
    cache.delete(oldest)
  }
}

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
      /** The context each account's messages in each group were last read in: by `{phone} {group}`. */
      const contexts = new Map<string, OrderContext>()

      /** The matcher of the seller's table at `version`, read again only when the table changed since. */
      const matcherFor = Effect.fnUntraced(function*(userId: UserId, version: number) {
        const cached = matchers.get(userId)
        const entry = cached?.version === version
          ? cached
          : { version, matcher: ProductMatcher.make(yield* tables.get(userId)) }
        remember(matchers, matcherCacheSize, userId, entry)
        return entry.matcher
      })

      const priced = Effect.fnUntraced(function*(context: OrderContext, message: NewMessage | MessageEdited) {
        return Quote.fromMessage(yield* matcherFor(context.userId, context.priceTableVersion), message.text)
      })

      const handedOver = Effect.fnUntraced(function*(written: Option.Option<Order>) {
        if (Option.isNone(written)) return { _tag: "Duplicate" } satisfies Intake
        yield* delivery.submit(written.value)
        return { _tag: "Recorded", order: written.value } satisfies Intake
      })

      /** Read in the context as it is now (read again unless given). */
      const inContext = Effect.fnUntraced(function*(
        phone: PhoneNumber,
        message: NewMessage | MessageEdited,
        fresh: Option.Option<OrderContext>
      ) {
        const key = `${phone} ${message.chatId}`
        const found = Option.isSome(fresh) ? fresh : yield* orders.context(phone, message.chatId)
        if (Option.isNone(found)) return (contexts.delete(key), { _tag: "NoSession" } satisfies Intake)
        const context = found.value
        remember(contexts, contextCacheSize, key, context)
        if (!context.groupActive) return { _tag: "NotActive" } satisfies Intake
        const quote = yield* priced(context, message)
        if (!isOrder(quote) && message._tag === "NewMessage") return { _tag: "NotAnOrder" } satisfies Intake
        const order = orderOf(phone, message, context, quote, yield* DateTime.nowAsDate, yield* currentTraceParent)
        return yield* handedOver(
          message._tag === "NewMessage"
            ? yield* orders.record(order, delivery.lease)
            : yield* orders.recordRevision({ ...order, editDate: message.editDate, isOrder: isOrder(quote) }, delivery.lease)
        )
      })

      /**
       * A new message in a group whose context is held from an earlier one: priced in it and, when an order, recorded
       * in the one statement that also checks the context is still the same; read again in the new one otherwise.
       */
      const handle = Effect.fn("PurchaseHandler.handle")(function*(phone: PhoneNumber, message: NewMessage | MessageEdited) {
        const held = contexts.get(`${phone} ${message.chatId}`)
        if (message._tag === "MessageEdited" || held === undefined || !held.groupActive) {
          return yield* inContext(phone, message, Option.none())
        }
        const quote = yield* priced(held, message)
        if (!isOrder(quote)) return yield* inContext(phone, message, Option.none())
        const order = orderOf(phone, message, held, quote, yield* DateTime.nowAsDate, yield* currentTraceParent)
        const attempt = yield* orders.recordIfUnchanged(order, delivery.lease, held.stamp)
        if (Option.isSome(attempt.context) && attempt.context.value.stamp === held.stamp) {
          remember(contexts, contextCacheSize, `${phone} ${message.chatId}`, held)
          return yield* handedOver(attempt.written)
        }
        return yield* inContext(phone, message, attempt.context)
      })

      return PurchaseHandler.of({ handle })
    })
  )
}
