/**
 * Per-seller rate limiting of bot updates: a fixed window per user, so one seller flooding
 * the bot cannot starve the others; the first refusal in a window is told, the rest dropped.
 */
import { Clock, Config, Context, Duration, Effect, Layer } from "effect"

export type Verdict = "allowed" | "refused-tell" | "refused-quiet"

export interface RateLimiterOptions {
  /** Updates a seller may send in `window` before the bot asks them to slow down. */
  readonly limit: number
  readonly window: Duration.Duration
}

interface Window {
  startedAt: number
  count: number
}

export class RateLimiter extends Context.Service<RateLimiter, {
  readonly take: (telegramUserId: number) => Effect.Effect<Verdict>
}>()("@vigia/control/bot/RateLimiter") {
  static readonly layer = (options: RateLimiterOptions) => Layer.sync(RateLimiter, () => make(options))

  static readonly layerConfig = (config: Config.Wrap<RateLimiterOptions>) =>
    Layer.effect(RateLimiter, Effect.map(Config.unwrap(config), make))
}

const make = ({ limit, window }: RateLimiterOptions) => {
  const windowMillis = Duration.toMillis(window)
  const windows = new Map<number, Window>()

  const take = (telegramUserId: number) =>
    Effect.map(Clock.currentTimeMillis, (now): Verdict => {
      const current = windows.get(telegramUserId)
      if (current === undefined || now - current.startedAt >= windowMillis) {
        // Forget windows that ended, so the map holds only users active right now.
        if (windows.size > 10_000) {
          for (const [id, old] of windows) if (now - old.startedAt >= windowMillis) windows.delete(id)
        }
        windows.set(telegramUserId, { startedAt: now, count: 1 })
        return "allowed"
      }
      current.count++
      return current.count <= limit ? "allowed" : current.count === limit + 1 ? "refused-tell" : "refused-quiet"
    })

  return RateLimiter.of({ take })
}
