/**
 * The bot's outbound pacing: token buckets (GCRA) for all its messages, for each chat and for each group, so that
 * nothing it sends goes past Telegram's flood limits; a `retry_after` Telegram still answers pauses the chat it
 * names. Waiters are served in the order they asked; an idle chat costs nothing.
 */
import { Clock, Duration, Effect } from "effect"

/** `messages` per `per`, up to `burst` at once after a quiet spell. */
export interface Budget {
  readonly messages: number
  readonly per: Duration.Duration
  readonly burst: number
}

export interface PacingOptions {
  /** Every message the bot sends (Telegram: about 30 a second). */
  readonly overall: Budget
  /** Messages into one chat (Telegram: about 1 a second). */
  readonly chat: Budget
  /** Messages into one group, on top of its chat's budget (Telegram: about 20 a minute). */
  readonly group: Budget
}

/** Telegram's published figures. */
export const telegramFigures: PacingOptions = {
  overall: { messages: 30, per: Duration.seconds(1), burst: 30 },
  chat: { messages: 1, per: Duration.seconds(1), burst: 1 },
  group: { messages: 20, per: Duration.minutes(1), burst: 1 }
}

export interface OutboundPacer {
  /** Waits for a message's turn into `chatId` (its chat, its group if a group, then the bot's overall budget). */
  readonly slot: (chatId: number) => Effect.Effect<void>
  /** Waits for a turn under the overall budget only (edits of messages already sent). */
  readonly overallSlot: Effect.Effect<void>
  /** Telegram asked to wait `retryAfter` before the next message into `chatId`. */
  readonly pause: (chatId: number, retryAfter: Duration.Duration) => Effect.Effect<void>
}

/** A bucket's theoretical arrival time: the next message conforms from `tat - tolerance` on. */
interface Bucket {
  tat: number
  readonly interval: number
  readonly tolerance: number
}

const bucketOf = (budget: Budget): Bucket => {
  const interval = Duration.toMillis(budget.per) / budget.messages
  return { tat: 0, interval, tolerance: interval * (Math.max(1, budget.burst) - 1) }
}

/** Reserves the next turn of `bucket` at `now`; answers how long to wait for it. */
const reserve = (bucket: Bucket, now: number): number => {
  const tat = Math.max(bucket.tat, now)
  const at = Math.max(now, tat - bucket.tolerance)
  bucket.tat = tat + bucket.interval
  return at - now
}

/** Chats kept before the idle ones are forgotten. */
const chatsKept = 10_000

export const make = (options: PacingOptions): OutboundPacer => {
  const overall = bucketOf(options.overall)
  const chats = new Map<number, Bucket>()
  const groups = new Map<number, Bucket>()

  const keyed = (buckets: Map<number, Bucket>, budget: Budget, chatId: number, now: number) => {
    if (buckets.size > chatsKept) {
      for (const [id, bucket] of buckets) if (bucket.tat <= now) buckets.delete(id)
    }
    const found = buckets.get(chatId) ?? bucketOf(budget)
    buckets.set(chatId, found)
    return found
  }

  const wait = (bucket: (now: number) => Bucket) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const millis = reserve(bucket(now), now)
      return millis > 0 ? Effect.sleep(Duration.millis(millis)) : Effect.void
    })

  const overallSlot = wait(() => overall)

  const slot = (chatId: number) =>
    wait((now) => keyed(chats, options.chat, chatId, now)).pipe(
      Effect.andThen(chatId < 0 ? wait((now) => keyed(groups, options.group, chatId, now)) : Effect.void),
      Effect.andThen(overallSlot)
    )

  const pause = (chatId: number, retryAfter: Duration.Duration) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const bucket = keyed(chats, options.chat, chatId, now)
      bucket.tat = Math.max(bucket.tat, now + Duration.toMillis(retryAfter) + bucket.tolerance)
    })

  return { slot, overallSlot, pause }
}
