import { assert, describe, it } from "@effect/vitest"
import { CommandError } from "@vigia/protocol/Messages"
import * as FailureTexts from "../../../src/bot/FailureTexts.ts"
import { loginFailed, refusalOf } from "../../../src/bot/features/LoginSteps.ts"
import { SessionUnavailable } from "../../../src/sessions/SessionGateway.ts"

describe("what a seller reads when a login step fails", () => {
  it.each([
    [400, "PHONE_NUMBER_INVALID", "PhoneNumberInvalid"],
    [400, "PHONE_NUMBER_BANNED", "PhoneNumberBanned"],
    [400, "PHONE_CODE_INVALID", "CodeInvalid"],
    [400, "PHONE_CODE_EXPIRED", "CodeExpired"],
    [400, "EMAIL_CODE_INVALID", "EmailCodeInvalid"],
    [400, "PASSWORD_HASH_INVALID", "PasswordInvalid"],
    [429, "Too Many Requests: retry after 120", "TooManyAttempts"],
    [400, "PHONE_NUMBER_UNOCCUPIED", "Refused"]
  ] as const)("TDLib's %i %j is %j", (code, message, refusal) => {
    assert.strictEqual(refusalOf(new CommandError({ code, message })), refusal)
  })

  it("says how long Telegram asks to wait, and never shows TDLib's own words", () => {
    assert.include(loginFailed(new CommandError({ code: 429, message: "Too Many Requests", retryAfterSeconds: 120 })), "esperar 2 minutos")
    const refused = loginFailed(new CommandError({ code: 400, message: "PHONE_NUMBER_UNOCCUPIED" }))
    assert.strictEqual(refused, "O Telegram recusou esse passo (erro 400). Confira os dados e use /login de novo.")
  })

  it("tells an unavailable session by its reason, not by the error's message", () => {
    const unavailable = new SessionUnavailable({ reason: "WorkerDead" })
    assert.strictEqual(loginFailed(unavailable), FailureTexts.sessionUnavailable.WorkerDead)
  })
})
