/**
 * The fake's login: phone number, code (resent by another way on request), 2FA password, with TDLib's errors
 * for wrong and out-of-turn requests, Telegram's flood wait after too many wrong guesses, and authorization
 * requests that wait for the network.
 */
import { Deferred, Effect, Option, Ref } from "effect"
import * as Latch from "effect/Latch"
import type * as TdApi from "../TdApi.ts"
import type { FakeAccount } from "./FakeAccount.ts"
import { ok, tdError, unexpected } from "./FakeObjects.ts"
import { becomeReady, type FakeSession, type Handlers, setState } from "./FakeSession.ts"

/** An authorization query: held while the network is down, cancelled by the next one. */
const authorizationQuery = <A>(account: FakeAccount, session: FakeSession, body: Effect.Effect<A, TdApi.TdError>) =>
  Effect.gen(function*() {
    const cancelled = yield* Deferred.make<never, TdApi.TdError>()
    const previous = yield* Ref.getAndSet(session.pending, Option.some(cancelled))
    if (Option.isSome(previous)) {
      yield* Deferred.fail(previous.value, tdError(400, "Another authorization query has started"))
    }
    yield* Effect.raceFirst(Latch.await(account.network), Deferred.await(cancelled))
    yield* Ref.update(session.pending, (waiting) => Option.filter(waiting, (d) => d !== cancelled))
    return yield* session.requests.withPermits(1)(body)
  })

/** Wrong codes and passwords count; too many in a row and Telegram makes the account wait. */
const guessed = Effect.fnUntraced(function*(
  account: FakeAccount,
  session: FakeSession,
  right: boolean,
  wrongError: TdApi.TdError
) {
  const time = yield* account.now
  const counter = yield* Ref.get(session.attempts)
  if (counter.floodUntil > time) {
    return yield* Effect.fail(tdError(429, `Too Many Requests: retry after ${counter.floodUntil - time}`))
  }
  if (right) {
    yield* Ref.set(session.attempts, { wrong: 0, floodUntil: 0 })
    return
  }
  const wrong = counter.wrong + 1
  if (wrong >= account.script.maxAttempts) {
    yield* Ref.set(session.attempts, { wrong: 0, floodUntil: time + account.script.floodWaitSeconds })
    return yield* Effect.fail(tdError(429, `Too Many Requests: retry after ${account.script.floodWaitSeconds}`))
  }
  yield* Ref.set(session.attempts, { wrong, floodUntil: 0 })
  return yield* Effect.fail(wrongError)
})

/** The states in which TDLib takes a phone number (again). */
const takesPhoneNumber: ReadonlyArray<TdApi.AuthorizationState["_"]> = [
  "authorizationStateWaitPhoneNumber",
  "authorizationStateWaitCode",
  "authorizationStateWaitPassword",
  "authorizationStateWaitRegistration",
  "authorizationStateWaitEmailAddress",
  "authorizationStateWaitEmailCode"
]

export const loginHandlers = (account: FakeAccount, session: FakeSession): Handlers<
  | "setAuthenticationPhoneNumber"
  | "checkAuthenticationCode"
  | "resendAuthenticationCode"
  | "checkAuthenticationEmailCode"
  | "checkAuthenticationPassword"
> => {
  const { phone, script } = account
  const query = <A>(body: Effect.Effect<A, TdApi.TdError>) => authorizationQuery(account, session, body)
  const state = Ref.get(session.authorization)

  return {
    setAuthenticationPhoneNumber: (request) =>
      query(Effect.gen(function*() {
        if (!takesPhoneNumber.includes((yield* state)._)) {
          return yield* Effect.fail(unexpected("setAuthenticationPhoneNumber"))
        }
        const typed = request.phone_number ?? ""
        if (!/^\+?[0-9 ()-]+$/.test(typed) || typed.replace(/[^0-9]/g, "") !== phone) {
          return yield* Effect.fail(tdError(400, "PHONE_NUMBER_INVALID"))
        }
        yield* Ref.set(session.attempts, { wrong: 0, floodUntil: 0 })
        yield* setState(session, {
          _: "authorizationStateWaitCode",
          code_info: {
            _: "authenticationCodeInfo",
            phone_number: `+${phone}`,
            type: { _: "authenticationCodeTypeTelegramMessage", length: script.code.length },
            next_type: { _: "authenticationCodeTypeSms", length: script.code.length },
            timeout: 60
          }
        })
        return ok
      })),

    checkAuthenticationCode: (request) =>
      query(Effect.gen(function*() {
        if ((yield* state)._ !== "authorizationStateWaitCode") {
          return yield* Effect.fail(unexpected("checkAuthenticationCode"))
        }
        const code = request.code ?? ""
        if (code === "") return yield* Effect.fail(tdError(400, "PHONE_CODE_EMPTY"))
        yield* guessed(account, session, code === script.code, tdError(400, "PHONE_CODE_INVALID"))
        if (script.password === undefined) {
          yield* becomeReady(account, session)
        } else {
          yield* setState(session, {
            _: "authorizationStateWaitPassword",
            password_hint: script.passwordHint,
            has_recovery_email_address: false,
            has_passport_data: false,
            recovery_email_address_pattern: ""
          })
        }
        return ok
      })),

    resendAuthenticationCode: () =>
      query(Effect.gen(function*() {
        const current = yield* state
        if (current._ !== "authorizationStateWaitCode" || current.code_info.next_type === undefined) {
          return yield* Effect.fail(unexpected("resendAuthenticationCode"))
        }
        yield* setState(session, {
          _: "authorizationStateWaitCode",
          code_info: {
            _: "authenticationCodeInfo",
            phone_number: current.code_info.phone_number,
            type: current.code_info.next_type,
            timeout: 0
          }
        })
        return ok
      })),

    // The scripted account never asks for an email, as most accounts: TDLib refuses the call.
    checkAuthenticationEmailCode: () => Effect.fail(unexpected("checkAuthenticationEmailCode")),

    checkAuthenticationPassword: (request) =>
      query(Effect.gen(function*() {
        if ((yield* state)._ !== "authorizationStateWaitPassword") {
          return yield* Effect.fail(unexpected("checkAuthenticationPassword"))
        }
        yield* guessed(account, session, request.password === script.password, tdError(400, "PASSWORD_HASH_INVALID"))
        yield* becomeReady(account, session)
        return ok
      }))
  }
}
