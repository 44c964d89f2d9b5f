/**
 * The scripted account the fake TDLib plays: who the account is, its login code and 2FA password, the e-mail and
 * registration steps Telegram adds to its login, its chats, and how Telegram limits wrong guesses. A script
 * overrides any of the defaults, for every account or for one phone number.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, FileSystem, Option, Schema } from "effect"
import { startFailed } from "../TdlError.ts"

export const FakeChat = Schema.Struct({
  id: Schema.Int,
  kind: Schema.Literals(["private", "basicGroup", "supergroup", "channel"]),
  title: Schema.String
})
export type FakeChat = typeof FakeChat.Type

/**
 * Telegram's e-mail in the login. `setup`: Telegram wants a login e-mail set up before it sends the code
 * (`authorizationStateWaitEmailAddress`); otherwise the login code goes to the account's e-mail, shown as
 * `pattern` (`authorizationStateWaitEmailCode`), in place of the code by Telegram message or SMS.
 */
export const FakeEmail = Schema.Struct({
  setup: Schema.Boolean,
  pattern: Schema.String,
  code: Schema.String.check(Schema.isPattern(/^[0-9]{4,8}$/))
})
export type FakeEmail = typeof FakeEmail.Type

const scriptFields = {
  me: Schema.Struct({
    id: Schema.Int,
    firstName: Schema.String,
    lastName: Schema.String,
    username: Schema.String
  }),
  code: Schema.String.check(Schema.isPattern(/^[0-9]{5,6}$/)),
  /** Seconds Telegram makes the account wait before the code may be sent again, by SMS. */
  codeTimeout: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  password: Schema.optionalKey(Schema.String),
  passwordHint: Schema.String,
  maxAttempts: Schema.Int.check(Schema.isGreaterThan(0)),
  floodWaitSeconds: Schema.Int.check(Schema.isGreaterThan(0)),
  chats: Schema.Array(FakeChat),
  email: Schema.optionalKey(FakeEmail),
  /** `false`: the number has no Telegram account, and a right code leads to `authorizationStateWaitRegistration`. */
  registered: Schema.Boolean,
  /**
   * The database holds a QR-code login another app began less than 5 minutes ago: TDLib resumes it at start
   * (`authorizationStateWaitOtherDeviceConfirmation`) and refuses a phone number until it ends.
   */
  pendingQrCodeLogin: Schema.Boolean
}

export const FakeScript = Schema.Struct(scriptFields)
export type FakeScript = typeof FakeScript.Type

/** What a script may hold: any of the script's fields, the rest from `defaultScript`. */
export const FakeScriptOverrides = FakeScript.mapFields((fields) => ({
  me: Schema.optionalKey(fields.me),
  code: Schema.optionalKey(fields.code),
  codeTimeout: Schema.optionalKey(fields.codeTimeout),
  password: fields.password,
  passwordHint: Schema.optionalKey(fields.passwordHint),
  maxAttempts: Schema.optionalKey(fields.maxAttempts),
  floodWaitSeconds: Schema.optionalKey(fields.floodWaitSeconds),
  chats: Schema.optionalKey(fields.chats),
  email: fields.email,
  registered: Schema.optionalKey(fields.registered),
  pendingQrCodeLogin: Schema.optionalKey(fields.pendingQrCodeLogin)
}))

/** A script: overrides for every account, and for some phone numbers (digits only) overrides of their own. */
const ScriptSource = FakeScriptOverrides.mapFields((fields) => ({
  ...fields,
  byPhone: Schema.optionalKey(Schema.Record(Schema.String, FakeScriptOverrides))
}))

export const defaultScript: FakeScript = {
  me: { id: 700000001, firstName: "Ana", lastName: "Vendedora", username: "ana_vende" },
  code: "12345",
  codeTimeout: 60,
  passwordHint: "nome do cachorro",
  maxAttempts: 5,
  floodWaitSeconds: 60,
  chats: [
    { id: 700000002, kind: "private", title: "Carlos Cliente" },
    { id: -4001001001, kind: "basicGroup", title: "Pedidos Vila Mariana" },
    { id: -1002001001001, kind: "supergroup", title: "Feira de Sábado" },
    { id: -1002001001002, kind: "channel", title: "Promoções da Semana" },
    { id: -4001001002, kind: "basicGroup", title: "Encomendas do Condomínio" }
  ],
  registered: true,
  pendingQrCodeLogin: false
}

/**
 * The account of `phone` by `source` (JSON, or the path of a JSON file): its own overrides over the ones for every
 * account, over the defaults; none: the default account.
 */
export const readScript = Effect.fnUntraced(function*(source: Option.Option<string>, phone: PhoneNumber) {
  if (Option.isNone(source)) return defaultScript
  const fs = yield* FileSystem.FileSystem
  const text = source.value.trim().startsWith("{")
    ? source.value
    : yield* fs.readFileString(source.value).pipe(
      Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
    )
  const { byPhone, ...overrides } = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(ScriptSource))(text).pipe(
    Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
  )
  return { ...defaultScript, ...overrides, ...byPhone?.[phone] }
})
