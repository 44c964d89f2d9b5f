/**
 * Per-seller rate limiting of bot updates: a fixed window per user, so one seller flooding
 * the bot cannot starve the others; the first refusal in a window is told, the rest dropped.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import { ControlSettings } from "../config/ControlSettings.ts"

export type Verdict = "allowed" | "refused-tell" | "refused-quiet"

interface Window {
  startedAt: number
  count: number
}

export class RateLimiter extends Context.Service<RateLimiter, {
  readonly take: (telegramUserId: number) => Effect.Effect<Verdict>
}>()("@vigia/control/bot/RateLimiter") {
  static readonly layer = Layer.effect(
    RateLimiter,
    Effect.gen(function*() {
      const { rateLimit, rateWindow } = yield* ControlSettings
      const windowMillis = Duration.toMillis(rateWindow)
      const windows = new Map<number, Window>()

      const take = (telegramUserId: number) =>
        Effect.map(Clock.currentTimeMillis, (now): Verdict => {
          const window = windows.get(telegramUserId)
          if (window === undefined || now - window.startedAt >= windowMillis) {
            // Forget windows that ended, so the map holds only users active right now.
            if (windows.size > 10_000) {
              for (const [id, old] of windows) if (now - old.startedAt >= windowMillis) windows.delete(id)
            }
            windows.set(telegramUserId, { startedAt: now, count: 1 })
            return "allowed"
          }
          window.count++
          return window.count <= rateLimit ? "allowed" : window.count === rateLimit + 1 ? "refused-tell" : "refused-quiet"
        })

      return RateLimiter.of({ take })
    })
  )
}
