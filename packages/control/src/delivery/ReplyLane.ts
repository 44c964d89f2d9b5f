/**
 * One account's group replies, one at a time: each is marked `sending` in the ledger before it is posted, so a
 * crash never posts it twice. A Telegram flood wait (TDLib's 429) makes this account's replies wait it out while
 * every other account, and this account's other commands, go on; a worker that is down is waited for a while.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { SendMessage } from "@vigia/protocol/Messages"
import { Clock, Duration, Effect, Option } from "effect"
import type { OrderSteps } from "../data/OrderSteps.ts"
import { spanOf } from "../observability/Traces.ts"
import type { SessionGateway } from "../sessions/SessionGateway.ts"
import { countStep, type Delivering, persistently } from "./Delivering.ts"
import type { Lane } from "./Lanes.ts"

export interface ReplyLaneDeps {
  readonly steps: OrderSteps["Service"]
  readonly gateway: SessionGateway["Service"]
  /** Called when the reply no longer holds the report back: posted, given up, or waiting on a flood. */
  readonly repliedOrWaiting: (item: Delivering) => Effect.Effect<void>
}

/** A worker that is down is asked again this many times (2 s doubling, at most a minute apart). */
const maxWorkerRetries = 8

type Outcome =
  | { readonly _tag: "Sent" }
  /** Not posted, and safe to post later (TDLib's flood wait, a worker known to be down). */
  | { readonly _tag: "Later"; readonly after: Duration.Duration; readonly reason: string }
  /** Not posted, or maybe posted (no answer): never tried again. */
  | { readonly _tag: "GaveUp"; readonly reason: string }

const post = (deps: ReplyLaneDeps, phone: PhoneNumber, item: Delivering, attempt: number) =>
  deps.gateway.call(phone, new SendMessage({
    chatId: item.order.chatId,
    text: item.order.replyText ?? "",
    replyToMessageId: item.order.messageId
  })).pipe(
    Effect.as<Outcome>({ _tag: "Sent" }),
    Effect.catch((error): Effect.Effect<Outcome> => {
      if (error._tag === "CommandError") {
        return Effect.succeed(
          error.code === 429
            ? { _tag: "Later", after: Duration.seconds(error.retryAfterSeconds ?? 1), reason: `429 ${error.message}` }
            : { _tag: "GaveUp", reason: `${error.code} ${error.message}` }
        )
      }
      // Refused before it was sent: the worker is down, so the reply can wait for it.
      const neverSent = error.reason === "NotRunning" || error.reason === "WorkerDead"
      return Effect.succeed(
        neverSent && attempt < maxWorkerRetries
          ? { _tag: "Later", after: Duration.seconds(Math.min(60, 2 ** attempt)), reason: error.reason }
          : { _tag: "GaveUp", reason: error.reason }
      )
    })
  )

/** Posts one reply, waiting out what makes it wait; settles the item's reply. */
const reply = (deps: ReplyLaneDeps, phone: PhoneNumber, item: Delivering) =>
  Effect.gen(function*() {
    let notBefore = item.order.replyNotBefore?.getTime() ?? 0
    for (let attempt = 1;; attempt++) {
      const wait = notBefore - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      yield* persistently("a group reply about to be posted", deps.steps.replying(item.order.id))
      item.reply = "sending"
      const outcome = yield* post(deps, phone, item, attempt)
      switch (outcome._tag) {
        case "Sent":
          yield* persistently("a group reply", deps.steps.replied(item.order.id))
          item.reply = "sent"
          return yield* countStep("reply", "delivered")
        case "GaveUp":
          yield* persistently("a failed group reply", deps.steps.replyFailed(item.order.id, outcome.reason))
          item.reply = "failed"
          yield* Effect.logWarning("a group reply was not posted", outcome.reason)
          return yield* countStep("reply", outcome.reason.split(" ")[0] ?? "failed")
        case "Later": {
          notBefore = (yield* Clock.currentTimeMillis) + Duration.toMillis(outcome.after)
          yield* persistently("a deferred group reply", deps.steps.replyDeferred(item.order.id, new Date(notBefore), outcome.reason))
          item.reply = "pending"
          yield* countStep("reply", "deferred")
          yield* Effect.logInfo("the account must wait before its next group reply", outcome.reason).pipe(
            Effect.annotateLogs({ waitSeconds: Math.ceil(Duration.toSeconds(outcome.after)) })
          )
          // The seller hears of the order meanwhile; the reply follows when the account may post again.
          yield* deps.repliedOrWaiting(item)
        }
      }
    }
  }).pipe(
    Effect.withSpan("OrderDelivery.reply", {
      ...Option.match(spanOf(item.order.traceParent), { onNone: () => ({ root: true }), onSome: (parent) => ({ parent }) }),
      kind: "producer",
      attributes: { "order.id": item.order.id }
    })
  )

export const work = (deps: ReplyLaneDeps) => (phone: PhoneNumber, lane: Lane<Delivering>) =>
  Effect.gen(function*() {
    while (true) {
      const items = yield* lane.takeAll
      if (items.length === 0) return
      for (const item of items) {
        yield* reply(deps, phone, item)
        yield* deps.repliedOrWaiting(item)
      }
    }
  }).pipe(Effect.annotateLogs({ account: mask(phone) }))
