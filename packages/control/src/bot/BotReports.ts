/**
 * The bot's side of the delivery's `OrderReports`: a seller's chat gets its turn under the bot's pacing, the reports
 * are composed into messages, and each goes out waiting out every flood wait; what Telegram refuses says whether
 * trying again could help (a seller who blocked the bot: it could not).
 */
import { Effect, Layer } from "effect"
import { OrderReports, ReportFailed } from "../delivery/OrderReports.ts"
import * as ReportMessages from "./ReportMessages.ts"
import { TelegramBot, type TelegramBotError } from "./TelegramBot.ts"

const failed = (error: TelegramBotError): ReportFailed => {
  const reason = error.reason
  if (reason._tag === "BotApiUnreachable") return new ReportFailed({ reason: "Unavailable", detail: reason.detail })
  const detail = `${reason.code} ${reason.description}`
  if (reason.code === 403) return new ReportFailed({ reason: "Blocked", detail })
  if (reason.code === 400 && /chat not found/i.test(reason.description)) return new ReportFailed({ reason: "ChatNotFound", detail })
  return new ReportFailed({ reason: reason.code >= 500 || reason.code === 429 ? "Unavailable" : "Refused", detail })
}

/** The bot's `OrderReports`. */
export const layer = Layer.effect(
  OrderReports,
  Effect.gen(function*() {
    const telegram = yield* TelegramBot
    return OrderReports.of({
      ready: telegram.ready,
      compose: ReportMessages.compose,
      send: (chatId, message) =>
        telegram.send(chatId, message.text, { disablePreview: true, turnTaken: true, waitOutFloods: true }).pipe(
          Effect.asVoid,
          Effect.mapError(failed)
        )
    })
  })
)
