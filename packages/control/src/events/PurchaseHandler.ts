/**
 * Turns a message from an active group into an order report: parsed and priced against the seller's table, told to
 * the seller, and, with automatic replies on an advanced plan, answered in the group from the seller's account.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { PriceItem } from "@vigia/domain/PriceTable"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { type NewMessage, SendMessage } from "@vigia/protocol/Messages"
import { Context, Effect, Layer, Option } from "effect"
import * as Crypto from "node:crypto"
import type { ActiveGroup } from "../data/ActiveGroups.ts"
import type { DatabaseError } from "../data/Database.ts"
import { PriceTables } from "../data/PriceTables.ts"
import { type OrderReport, SellerNotifier } from "./SellerNotifier.ts"
import { SessionGateway } from "../sessions/SessionGateway.ts"
import { type SubscriptionError, Subscriptions } from "../data/Subscriptions.ts"
import type { UserId } from "../data/UserId.ts"

/** Supergroup and channel ids are `-100` followed by the channel's own id: below -10^12. */
const channelIdOffset = 1_000_000_000_000
/** TDLib's id of a message on Telegram's servers is the server's id shifted left by 20 bits. */
const serverIdFactor = 2 ** 20
/** Telegram's limit on a message's text. */
const maxReplyLength = 4096
/** Matchers kept; the least recently used goes first. */
const matcherCacheSize = 1_000

/**
 * `https://t.me/c/{channel}/{message}` for a message of a supergroup or channel (readable by its members); none
 * for a basic group or private chat, or a message that is not on Telegram's servers yet.
 */
export const messageLink = (chatId: number, messageId: number): string | null => {
  if (chatId >= -channelIdOffset || messageId <= 0 || messageId % serverIdFactor !== 0) return null
  return `https://t.me/c/${-chatId - channelIdOffset}/${messageId / serverIdFactor}`
}

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

const fingerprintOf = (items: ReadonlyArray<PriceItem>): string =>
  Crypto.createHash("sha256")
    .update(JSON.stringify(items.map((item) => [item.name, item.aliases, item.unit, item.price])))
    .digest("base64")

interface CachedMatcher {
  readonly fingerprint: string
  readonly matcher: ProductMatcher.ProductMatcher
}

export class PurchaseHandler extends Context.Service<PurchaseHandler, {
  /**
   * Prices `message`, from the seller's active `group` seen by the account `phone`, and reports it to the seller:
   * the report when the message is an order, none when it is not.
   */
  readonly handle: (
    userId: UserId,
    phone: PhoneNumber,
    message: NewMessage,
    group: ActiveGroup
  ) => Effect.Effect<Option.Option<OrderReport>, DatabaseError | SubscriptionError>
}>()("@vigia/control/events/PurchaseHandler") {
  static readonly layer = Layer.effect(
    PurchaseHandler,
    Effect.gen(function*() {
      const tables = yield* PriceTables
      const subscriptions = yield* Subscriptions
      const gateway = yield* SessionGateway
      const notifier = yield* SellerNotifier
      const matchers = new Map<UserId, CachedMatcher>()

      /** The matcher of the seller's table as it is now, rebuilt only when the table's content changed. */
      const matcherFor = (userId: UserId, items: ReadonlyArray<PriceItem>) =>
        Effect.sync(() => {
          const fingerprint = fingerprintOf(items)
          const cached = matchers.get(userId)
          matchers.delete(userId)
          const entry = cached?.fingerprint === fingerprint ? cached : { fingerprint, matcher: ProductMatcher.make(items) }
          matchers.set(userId, entry)
          for (const oldest of matchers.keys()) {
            if (matchers.size <= matcherCacheSize) break
            matchers.delete(oldest)
          }
          return entry.matcher
        })

      /** Posts the quote as a reply to the order, if the group and the plan allow it; whether it was posted. */
      const replyInGroup = Effect.fnUntraced(function*(
        userId: UserId,
        phone: PhoneNumber,
        message: NewMessage,
        group: ActiveGroup,
        quote: Quote.Quote
      ) {
        if (!group.autoReply || quote.priced.length === 0) return false
        const { limits } = yield* subscriptions.current(userId)
        if (!limits.canUseAdvancedFeatures) return false
        const text = Quote.text(quote)
        if (text.length > maxReplyLength) {
          yield* Effect.logWarning("the quote is too long to post in the group").pipe(
            Effect.annotateLogs({ account: mask(phone), length: text.length })
          )
          return false
        }
        return yield* gateway.call(phone, new SendMessage({ chatId: message.chatId, text, replyToMessageId: message.messageId }))
          .pipe(
            Effect.as(true),
            Effect.catch((error) =>
              Effect.logWarning("the quote could not be posted in the group", error.message).pipe(
                Effect.annotateLogs({ account: mask(phone), reason: error._tag === "SessionUnavailable" ? error.reason : error.code }),
                Effect.as(false)
              )
            )
          )
      })

      const handle = Effect.fn("PurchaseHandler.handle")(function*(
        userId: UserId,
        phone: PhoneNumber,
        message: NewMessage,
        group: ActiveGroup
      ) {
        const matcher = yield* matcherFor(userId, yield* tables.get(userId))
        const quote = Quote.fromMessage(matcher, message.text)
        if (!isOrder(quote)) return Option.none<OrderReport>()
        const repliedInGroup = yield* replyInGroup(userId, phone, message, group, quote)
        const report: OrderReport = {
          groupId: message.chatId,
          groupTitle: group.title ?? `Grupo ${message.chatId}`,
          customerId: message.senderId,
          customerName: message.senderName,
          messageId: message.messageId,
          link: messageLink(message.chatId, message.messageId),
          quote,
          repliedInGroup
        }
        yield* notifier.orderQuoted(userId, report)
        return Option.some(report)
      })

      return PurchaseHandler.of({ handle })
    })
  )
}
