/**
 * A worker pool's roster: the accounts one pool process hosts, written by the control plane in a note only the
 * pool's own Redis user may read besides it. Each account's environment (its phone, its Redis credentials, its
 * session key, its TDLib database key…) travels sealed with the pool's key; its digest tells the pool when the
 * account must be restarted with a new one.
 */
import { Effect, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"
import type { SecretBox, SecretBoxError } from "./SecretBox.ts"

/** The note of the pool that holds its roster. */
export const rosterNote = "roster"

/**
 * The note beside it that holds its version (a digest of the roster), written after the roster: a pool reads the
 * few bytes of the version every second and the roster only when it changed.
 */
export const versionNote = "roster-version"

/** The version of a roster as stored. */
export const versionOf = (text: string): string => Crypto.createHash("sha256").update(text).digest("hex").slice(0, 16)

/**
 * The note of the pool that lists the accounts whose folders it is to delete (their data erased at the seller's
 * request), as a JSON array of phone numbers: it needs no secret, the pool knows where its accounts' folders are.
 * Whoever writes it then writes a new version (`erasureVersion`), so that the pool reads it on its next check.
 */
export const erasuresNote = "erasures"

/** A version no roster has, new at every erasure: the pool reads its roster and its erasures again. */
export const erasureVersion = (): string => `erasure-${Crypto.randomBytes(8).toString("hex")}`

/** The note the pool writes, as its own user, once the account's folder is deleted: the erasure's acknowledgement. */
export const erasedNote = (phone: string): string => `erased-${phone}`

const ErasuresJson = Schema.fromJsonString(Schema.Array(Schema.String))

export const encodeErasures = (phones: ReadonlyArray<string>): string | undefined =>
  phones.length === 0 ? undefined : JSON.stringify(phones)

/** The accounts an erasures note lists, as written (each to be validated as a phone number before use). */
export const decodeErasures = (text: string | undefined): Effect.Effect<ReadonlyArray<string>, Schema.SchemaError> =>
  text === undefined ? Effect.succeed([]) : Schema.decodeUnknownEffect(ErasuresJson)(text)

export const RosterEntry = Schema.Struct({
  /** The digest of the account's environment: a new one restarts the account in its pool. */
  hash: Schema.String,
  /** The account's environment variables, as JSON, sealed with the pool's key. */
  sealed: Schema.String
})
export type RosterEntry = typeof RosterEntry.Type

/** Accounts (their phone numbers, digits only) to their entries. */
export const Roster = Schema.Record(Schema.String, RosterEntry)
export type Roster = typeof Roster.Type

const RosterJson = Schema.fromJsonString(Roster)
const EnvironmentJson = Schema.fromJsonString(Schema.Record(Schema.String, Schema.String))

export const encode = (roster: Roster): string => JSON.stringify(roster)

/** A roster as stored; one that does not decode is an empty one, and says why. */
export const decode = (text: string | undefined): Effect.Effect<Roster, Schema.SchemaError> =>
  text === undefined ? Effect.succeed({}) : Schema.decodeUnknownEffect(RosterJson)(text)

/** An account's environment sealed for its pool. */
export const seal = (box: SecretBox["Service"], environment: Readonly<Record<string, string>>): Effect.Effect<string> =>
  box.seal(Redacted.make(JSON.stringify(environment)))

/** An account's environment, opened with its pool's key. */
export const open = (
  box: SecretBox["Service"],
  sealed: string
): Effect.Effect<Record<string, string>, SecretBoxError | Schema.SchemaError> =>
  box.open(sealed).pipe(Effect.flatMap((plain) => Schema.decodeUnknownEffect(EnvironmentJson)(Redacted.value(plain))))
