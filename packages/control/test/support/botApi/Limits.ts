/**
 * What the fake Bot API refuses before carrying a call out: hung calls (a test's fault), blocked users, texts over
 * 4,096 characters, and, with limits on, calls past Telegram's flood limits, counted with token buckets.
 */

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface Bucket {
  readonly perSecond: number
  readonly burst: number
}

/** Telegram's published flood limits: about 30 messages/s overall, 1/s into one chat, 20/min into one group. */
export interface TelegramLimits {
  readonly overall: Bucket
  readonly chat: Bucket
  readonly group: Bucket
}

/** Short bursts into one chat are allowed, as Telegram says; anything steadier is held to the published figures. */
export const telegramLimits: TelegramLimits = {
  overall: { perSecond: 30, burst: 30 },
  chat: { perSecond: 1, burst: 3 },
  group: { perSecond: 20 / 60, burst: 20 }
}

/** Telegram's longest message text. */
const maxTextLength = 4096

/** Telegram's most bytes of a button's callback data. */
const maxCallbackDataBytes = 64

/** The inline buttons a call carries (its `reply_markup`, as JSON or already read). */
const buttonsOf = (params: Record<string, unknown>): ReadonlyArray<{ readonly callback_data?: string }> => {
  const markup = typeof params.reply_markup === "string" ? JSON.parse(params.reply_markup) as unknown : params.reply_markup
  const rows = (markup as { readonly inline_keyboard?: unknown } | undefined)?.inline_keyboard
  return Array.isArray(rows) ? rows.flat() as ReadonlyArray<{ readonly callback_data?: string }> : []
}

const isSend = (method: string) => method.startsWith("send") && method !== "sendChatAction"

interface Refusal {
  readonly error_code: number
  readonly description: string
  readonly parameters?: { readonly retry_after: number }
}

export const makeGates = (limits: TelegramLimits | undefined) => {
  const hanging = new Set<string>()
  const blocked = new Set<number>()
  const buckets = new Map<string, { tokens: number; at: number }>()
  const counts = { hung: 0, refused: 0 }

  /** The buckets a call spends a token of: every send and edit the overall one, a send its chat's (and group's). */
  const bucketsOf = (method: string, chatId: number): ReadonlyArray<readonly [string, Bucket]> => {
    if (limits === undefined || !(isSend(method) || method.startsWith("edit"))) return []
    if (!isSend(method)) return [["overall", limits.overall]]
    return [["overall", limits.overall], [`chat:${chatId}`, limits.chat], ...(chatId < 0 ? [[`group:${chatId}`, limits.group] as const] : [])]
  }

  /** Seconds until the bucket has a token (0: it has one), refilled up to now. */
  const wait = (key: string, bucket: Bucket, now: number): number => {
    const state = buckets.get(key) ?? { tokens: bucket.burst, at: now }
    state.tokens = Math.min(bucket.burst, state.tokens + ((now - state.at) / 1000) * bucket.perSecond)
    state.at = now
    buckets.set(key, state)
    return state.tokens >= 1 ? 0 : (1 - state.tokens) / bucket.perSecond
  }

  /** A 429 past any bucket; otherwise a token of each is spent. */
  const flood = (method: string, chatId: number): Refusal | undefined => {
    const spent = bucketsOf(method, chatId)
    const now = Date.now()
    const longest = Math.max(0, ...spent.map(([key, bucket]) => wait(key, bucket, now)))
    if (longest === 0) {
      for (const [key] of spent) buckets.get(key)!.tokens -= 1
      return undefined
    }
    counts.refused += 1
    const retryAfter = Math.max(1, Math.ceil(longest))
    return { error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }
  }

  const check = (method: string, params: Record<string, unknown>): Refusal | "hang" | undefined => {
    if (hanging.has(method)) return (counts.hung += 1, "hang")
    const chatId = Number(params.chat_id)
    if (isSend(method) && blocked.has(chatId)) return { error_code: 403, description: "Forbidden: bot was blocked by the user" }
    if ((method === "sendMessage" || method === "editMessageText") && String(params.text ?? "").length > maxTextLength) {
      return { error_code: 400, description: "Bad Request: message is too long" }
    }
    if (buttonsOf(params).some((button) => Buffer.byteLength(button.callback_data ?? "") > maxCallbackDataBytes)) {
      return { error_code: 400, description: "Bad Request: BUTTON_DATA_INVALID" }
    }
    return flood(method, chatId)
  }

  return { hanging, blocked, counts, check }
}

/** The gates of one fake server, with the sets tests change and the counts they read. */
export type Gates = ReturnType<typeof makeGates>
