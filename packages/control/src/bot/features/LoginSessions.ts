/**
 * The life of a seller's login session: one live login per seller, a phone held only while its login goes on and
 * bound only once Telegram authorizes it, logins that run out of time stopped, and how many a seller may start.
 */
import { mask, type PhoneNumber, type Region } from "@vigia/domain/PhoneNumber"
import { Clock, Config, Context, Duration, Effect, Layer, Metric, Option, Schedule } from "effect"
import { AuditLog } from "../../data/AuditLog.ts"
import { Conversations, Idle } from "../../data/Conversations.ts"
import type { DatabaseError } from "../../data/Database.ts"
import { Sessions, type SessionsError } from "../../data/Sessions.ts"
import type { UserId } from "../../data/UserId.ts"
import { type User, Users } from "../../data/Users.ts"
import { ContainerManager } from "../../sessions/manager/ContainerManager.ts"
import * as FailureTexts from "../FailureTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"

export interface LoginOptions {
  /** The region of numbers typed without a country code. */
  readonly defaultRegion: Region
  /** How long a login may take before it is stopped. */
  readonly timeout: Duration.Duration
  /** How many logins a seller may start in `window`. */
  readonly attempts: number
  readonly window: Duration.Duration
}

/** Whether a seller's new login may have the phone, and why not. */
export type Claim =
  | { readonly _tag: "Claimed" }
  /** The seller started `attempts` logins within the window: the next may start at `retryAt`. */
  | { readonly _tag: "RateLimited"; readonly retryAt: Date }
  /** Another seller's account, or another seller's login still going on. */
  | { readonly _tag: "InUse" }
  /** The seller's own account is connected with another number: a logout first. */
  | { readonly _tag: "OtherNumberBound"; readonly bound: PhoneNumber }

/** Logins refused before anything started, by reason (a phone number's, or the claim's). */
export const loginRefusals = Metric.counter("vigia_login_refusals_total", {
  description: "Logins refused before a worker started, by reason",
  incremental: true
})

/** Logins stopped because they did not finish within the login timeout. */
export const loginsExpired = Metric.counter("vigia_logins_expired_total", {
  description: "Logins stopped because they did not finish in time",
  incremental: true
})

/** Counts a login refused for `reason`. */
export const refused = (reason: string) => Metric.update(Metric.withAttributes(loginRefusals, { reason }), 1)

/** What the audit log says of each login begun: the rate limit counts these. */
const loginBegun = { step: "started" } as const

export class LoginSessions extends Context.Service<LoginSessions, {
  readonly defaultRegion: Region
  /** When the seller may start a login, if the rate limit holds them back now. */
  readonly nextAttempt: (userId: UserId) => Effect.Effect<Option.Option<Date>, DatabaseError>
  /**
   * A new login of the seller for `phone`: within the rate limit, not while the seller's account is connected with
   * another number, not on another seller's number. The seller's other unfinished logins are stopped first.
   */
  readonly claim: (seller: User, phone: PhoneNumber) => Effect.Effect<Claim, DatabaseError | SessionsError>
  /** Stops the seller's logins that did not finish (but the one of `except`): workers removed, phones free. */
  readonly endUnfinished: (userId: UserId, except?: PhoneNumber) => Effect.Effect<void, DatabaseError>
  /**
   * Stops a login that will not finish: the seller's step left, the worker removed. A phone not bound is then free
   * for anyone; the worker's data stays (see `docs/ARCHITECTURE.md`, sessions).
   */
  readonly abandon: (phone: PhoneNumber) => Effect.Effect<void, DatabaseError>
}>()("@vigia/control/bot/features/LoginSessions") {
  static readonly make = Effect.fnUntraced(function*(options: LoginOptions) {
    const sessions = yield* Sessions
    const users = yield* Users
    const conversations = yield* Conversations
    const audit = yield* AuditLog
    const manager = yield* ContainerManager
    const telegram = yield* TelegramBot

    const nextAttempt = Effect.fn("LoginSessions.nextAttempt")(function*(userId: UserId) {
      const now = yield* Clock.currentTimeMillis
      const window = Duration.toMillis(options.window)
      const begun = yield* audit.times(userId, "login", loginBegun, new Date(now - window))
      const blocking = begun[begun.length - options.attempts]
      return blocking === undefined ? Option.none<Date>() : Option.some(new Date(blocking.getTime() + window))
    })

    const abandon = Effect.fn("LoginSessions.abandon")(function*(phone: PhoneNumber) {
      const seller = yield* conversations.findByPhone(phone)
      if (seller !== undefined) yield* conversations.set(seller.telegramUserId, new Idle())
      yield* manager.stop(phone).pipe(
        Effect.catchTag("ContainerManagerError", (error) =>
          // Its desired state is stopped already, so nothing starts it again; the runtime's leftover is an orphan.
          Effect.logWarning("could not remove an abandoned login's worker", error.message).pipe(
            Effect.andThen(sessions.setDesired(phone, "stopped")),
            Effect.catchTag("SessionsError", () => Effect.void)
          ))
      )
    }, (effect, phone) => Effect.annotateLogs(effect, { account: mask(phone) }))

    const endUnfinished = Effect.fn("LoginSessions.endUnfinished")(function*(userId: UserId, except?: PhoneNumber) {
      const unfinished = yield* sessions.list({ userId, desired: "running", bound: false })
      yield* Effect.forEach(
        unfinished.filter((session) => session.phoneNumber !== except),
        (session) => abandon(session.phoneNumber),
        { discard: true }
      )
    })

    const claim = Effect.fn("LoginSessions.claim")(
      function*(seller: User, phone: PhoneNumber) {
        const outcome = yield* claimFor(seller, phone)
        if (outcome._tag !== "Claimed") yield* refused(outcome._tag)
        return outcome
      }
    )

    const claimFor = Effect.fnUntraced(
      function*(seller: User, phone: PhoneNumber) {
        const limited = yield* nextAttempt(seller.id)
        if (Option.isSome(limited)) return { _tag: "RateLimited", retryAt: limited.value } satisfies Claim
        if (seller.phoneNumber !== null && seller.phoneNumber !== phone) {
          return { _tag: "OtherNumberBound", bound: seller.phoneNumber } satisfies Claim
        }
        yield* endUnfinished(seller.id, phone)
        const registered = yield* sessions.register(seller.id, phone, manager.runtime).pipe(
          Effect.as(true),
          Effect.catchReason("SessionsError", "PhoneInUse", () => Effect.succeed(false))
        )
        if (!registered) return { _tag: "InUse" } satisfies Claim
        yield* audit.append({ userId: seller.id, action: "login", details: { phone: mask(phone), ...loginBegun } })
        return { _tag: "Claimed" } satisfies Claim
      }
    )

    /** Logins begun longer than the timeout ago and not bound yet: stopped, their sellers told. */
    const expire = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const expired = yield* sessions.list({
        desired: "running",
        bound: false,
        loginStartedBefore: new Date(now - Duration.toMillis(options.timeout))
      })
      yield* Effect.forEach(expired, (session) =>
        Effect.gen(function*() {
          yield* abandon(session.phoneNumber)
          yield* Metric.update(loginsExpired, 1)
          yield* Effect.logInfo("a login ran out of time; its worker was removed").pipe(
            Effect.annotateLogs({ account: mask(session.phoneNumber) })
          )
          const seller = yield* users.get(session.userId)
          yield* telegram.send(seller.telegramUserId, FailureTexts.loginExpired(Math.round(Duration.toMinutes(options.timeout))))
        }).pipe(Effect.catchCause((cause) => Effect.logWarning("could not stop a login that ran out of time", cause))), {
        discard: true
      })
    })

    const sweepEvery = Duration.clamp(Duration.divideUnsafe(options.timeout, 10), {
      minimum: Duration.seconds(1),
      maximum: Duration.minutes(1)
    })
    yield* expire.pipe(
      Effect.catchCause((cause) => Effect.logWarning("could not look for logins that ran out of time", cause)),
      Effect.repeat(Schedule.spaced(sweepEvery)),
      Effect.forkScoped
    )

    return LoginSessions.of({ defaultRegion: options.defaultRegion, nextAttempt, claim, endUnfinished, abandon })
  })

  static readonly layerConfig = (config: Config.Wrap<LoginOptions>) =>
    Layer.effect(LoginSessions, Effect.flatMap(Config.unwrap(config), LoginSessions.make))
}
