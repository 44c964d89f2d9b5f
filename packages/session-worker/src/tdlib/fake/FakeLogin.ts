/**
 * The fake's login: phone number, then the code (resent by another way on request) or Telegram's e-mail steps,
 * registration of a number without an account, 2FA password; with TDLib's errors for wrong and out-of-turn
 * requests, Telegram's flood wait after too many wrong guesses, and authorization requests that wait for the network.
 */
import { Deferred, Effect, Option, Ref } from "effect"
import * as Latch from "effect/Latch"
import type * as TdApi from "../TdApi.ts"
import type { FakeAccount } from "./FakeAccount.ts"
import { ok, tdError, unexpected } from "./FakeObjects.ts"
import type { FakeEmail } from "./FakeScript.ts"
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

  /** Where a phone number leads: Telegram's e-mail steps when the account has them, else the code it sent. */
  const codeSent = (email: FakeEmail | undefined): TdApi.AuthorizationState =>
    email === undefined
      ? {
        _: "authorizationStateWaitCode",
        code_info: {
          _: "authenticationCodeInfo",
          phone_number: `+${phone}`,
          type: { _: "authenticationCodeTypeTelegramMessage", length: script.code.length },
          next_type: { _: "authenticationCodeTypeSms", length: script.code.length },
          timeout: script.codeTimeout
        }
      }
      : email.setup
      ? { _: "authorizationStateWaitEmailAddress", allow_apple_id: false, allow_google_id: false }
      : {
        _: "authorizationStateWaitEmailCode",
        code_info: {
          _: "emailAddressAuthenticationCodeInfo",
          email_address_pattern: email.pattern,
          length: email.code.length
        }
      }

  /** A right code: a number without an account registers, a 2FA password is asked for, else the account is in. */
  const signedIn = Effect.suspend(() =>
    !script.registered
      ? setState(session, {
        _: "authorizationStateWaitRegistration",
        terms_of_service: { text: { _: "formattedText", text: "Terms of Service" } }
      })
      : script.password === undefined
      ? becomeReady(account, session)
      : setState(session, {
        _: "authorizationStateWaitPassword",
        password_hint: script.passwordHint,
        has_recovery_email_address: false,
        has_passport_data: false,
        recovery_email_address_pattern: ""
      })
  )

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
        yield* setState(session, codeSent(script.email))
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
        yield* signedIn
        return ok
      })),

    resendAuthenticationCode: () =>
      query(Effect.gen(function*() {
        const current = yield* state
        // With no address of its own (the code went to the account's e-mail), TDLib asks Telegram for none.
        if (current._ === "authorizationStateWaitEmailCode") return yield* Effect.fail(tdError(400, "EMAIL_INVALID"))
        if (current._ !== "authorizationStateWaitCode") return yield* Effect.fail(unexpected("resendAuthenticationCode"))
        if (current.code_info.next_type === undefined) {
          return yield* Effect.fail(tdError(400, "Authentication code can't be resend"))
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

    checkAuthenticationEmailCode: (request) =>
      query(Effect.gen(function*() {
        const code = request.code?._ === "emailAddressAuthenticationCode" ? request.code.code ?? "" : ""
        if (code === "") return yield* Effect.fail(tdError(400, "Code must be non-empty"))
        const email = script.email
        if ((yield* state)._ !== "authorizationStateWaitEmailCode" || email === undefined) {
          return yield* Effect.fail(unexpected("checkAuthenticationEmailCode"))
        }
        yield* guessed(account, session, code === email.code, tdError(400, "EMAIL_CODE_INVALID"))
        yield* signedIn
        return ok
      })),

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
