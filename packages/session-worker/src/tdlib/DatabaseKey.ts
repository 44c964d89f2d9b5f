/**
 * Opening TDLib's database with the account's own key, and moving a database still under an older key (TDLib's
 * public default, or the one key earlier versions gave every account) to it without losing anything.
 */
import { Effect, Option, Redacted, Stream } from "effect"
import type * as TdApi from "./TdApi.ts"
import type { TdlError } from "./TdlError.ts"

/**
 * The keys a database may be under, in the order they are tried: the account's own, then the older ones. TDLib
 * takes an empty key as its built-in default (`cucumber`): a database opened with it is readable by anyone who
 * copies the folder.
 */
export interface DatabaseKeys {
  readonly current: string
  readonly older: ReadonlyArray<string>
}

/** Which keys to try: none given, TDLib's default alone (as before); else the given one, then the older ones. */
export const databaseKeys = (
  key: Option.Option<Redacted.Redacted<string>>,
  previous: Option.Option<Redacted.Redacted<string>>
): DatabaseKeys =>
  Option.match(key, {
    onNone: () => ({ current: "", older: [] }),
    onSome: (own) => {
      const current = Redacted.value(own)
      const older = [...Option.toArray(Option.map(previous, Redacted.value)), ""].filter((candidate) => candidate !== current)
      return { current, older: [...new Set(older)] }
    }
  })

/** TDLib's answer when the database is under another key (`TdDb`, "Wrong database encryption key"). */
const isWrongKey = (error: TdlError) =>
  error.reason._tag === "TdlibFailure" && error.reason.code === 401 && error.reason.message.includes("encryption key")

type Send = (request: TdApi.AnyRequest) => Effect.Effect<unknown, TdlError>

/**
 * Sends the TDLib parameters with each key in turn while TDLib answers that the database is under another key.
 * Succeeds with the key that opened it; fails with the last refusal, or any other failure at once.
 */
export const open = (
  send: Send,
  parameters: TdApi.Request<"setTdlibParameters">,
  keys: DatabaseKeys
): Effect.Effect<string, TdlError> => {
  const attempt = (remaining: ReadonlyArray<string>): Effect.Effect<string, TdlError> => {
    const [key, ...rest] = remaining
    const withKey = { ...parameters, database_encryption_key: key ?? "" }
    return send(withKey).pipe(
      Effect.as(key ?? ""),
      Effect.catch((error) => rest.length > 0 && isWrongKey(error) ? attempt(rest) : Effect.fail(error))
    )
  }
  return attempt([keys.current, ...keys.older])
}

/**
 * Re-encrypts a database opened with an older key under the account's own, once the account is authorized
 * (TDLib refuses `setDatabaseEncryptionKey` before that, and a database of no authorized account holds no
 * session). TDLib rewrites its binlog with the new key; everything in it stays.
 */
export const reencryptWhenAuthorized = (
  send: Send,
  states: Stream.Stream<TdApi.AuthorizationState>,
  current: string
): Effect.Effect<void> =>
  states.pipe(
    Stream.filter((state) => state._ === "authorizationStateReady"),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () => Effect.void,
      onSome: () =>
        send({ _: "setDatabaseEncryptionKey", new_encryption_key: current }).pipe(
          Effect.andThen(Effect.logInfo("TDLib's database re-encrypted with the account's own key")),
          Effect.catch((error) => Effect.logError("could not re-encrypt TDLib's database with the account's key", error.message))
        )
    }))
  )
