/**
 * The scripted account the fake TDLib plays: who the account is, its login code and 2FA password, its chats,
 * and how Telegram limits wrong guesses. A script overrides any of the defaults.
 */
import { Effect, FileSystem, Option, Schema } from "effect"
import { startFailed } from "../TdlError.ts"

export const FakeChat = Schema.Struct({
  id: Schema.Int,
  kind: Schema.Literals(["private", "basicGroup", "supergroup", "channel"]),
  title: Schema.String
})
export type FakeChat = typeof FakeChat.Type

const scriptFields = {
  me: Schema.Struct({
    id: Schema.Int,
    firstName: Schema.String,
    lastName: Schema.String,
    username: Schema.String
  }),
  code: Schema.String.check(Schema.isPattern(/^[0-9]{5,6}$/)),
  password: Schema.optionalKey(Schema.String),
  passwordHint: Schema.String,
  maxAttempts: Schema.Int.check(Schema.isGreaterThan(0)),
  floodWaitSeconds: Schema.Int.check(Schema.isGreaterThan(0)),
  chats: Schema.Array(FakeChat)
}

export const FakeScript = Schema.Struct(scriptFields)
export type FakeScript = typeof FakeScript.Type

/** What a script may hold: any of the script's fields, the rest from `defaultScript`. */
export const FakeScriptOverrides = FakeScript.mapFields((fields) => ({
  me: Schema.optionalKey(fields.me),
  code: Schema.optionalKey(fields.code),
  password: fields.password,
  passwordHint: Schema.optionalKey(fields.passwordHint),
  maxAttempts: Schema.optionalKey(fields.maxAttempts),
  floodWaitSeconds: Schema.optionalKey(fields.floodWaitSeconds),
  chats: Schema.optionalKey(fields.chats)
}))

export const defaultScript: FakeScript = {
  me: { id: 700000001, firstName: "Ana", lastName: "Vendedora", username: "ana_vende" },
  code: "12345",
  passwordHint: "nome do cachorro",
  maxAttempts: 5,
  floodWaitSeconds: 60,
  chats: [
    { id: 700000002, kind: "private", title: "Carlos Cliente" },
    { id: -4001001001, kind: "basicGroup", title: "Pedidos Vila Mariana" },
    { id: -1002001001001, kind: "supergroup", title: "Feira de Sábado" },
    { id: -1002001001002, kind: "channel", title: "Promoções da Semana" },
    { id: -4001001002, kind: "basicGroup", title: "Encomendas do Condomínio" }
  ]
}

/** The account of `source` (JSON, or the path of a JSON file), over the defaults; none: the default account. */
export const readScript = Effect.fnUntraced(function*(source: Option.Option<string>) {
  if (Option.isNone(source)) return defaultScript
  const fs = yield* FileSystem.FileSystem
  const text = source.value.trim().startsWith("{")
    ? source.value
    : yield* fs.readFileString(source.value).pipe(
      Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
    )
  const overrides = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(FakeScriptOverrides))(text).pipe(
    Effect.mapError((error) => startFailed(`FAKE_TDL_SCRIPT: ${error.message}`))
  )
  return { ...defaultScript, ...overrides }
})
