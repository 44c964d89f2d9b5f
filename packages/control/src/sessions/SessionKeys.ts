/**
 * Each account's secrets, derived from one master secret and never stored: the session key (AES-GCM on the wire),
 * the key of its TDLib database and the password of its Redis user, each an HKDF-SHA256 with the phone as info.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"

const keyBytes = 32

const hkdf = (secret: Redacted.Redacted<string>, salt: string, info: string): Buffer =>
  Buffer.from(Crypto.hkdfSync("sha256", Redacted.value(secret), salt, info, keyBytes))

export interface SessionKeysOptions {
  /** Changing it changes every account's keys: workers restart with theirs, TDLib databases need the old one. */
  readonly master: Redacted.Redacted<string>
}

/**
 * Where the master secret comes from: `SESSION_MASTER_KEY`, or (the single-process mode only) a file in the data
 * folder, generated on the first start and read on every later one.
 */
export type MasterSource =
  | { readonly _tag: "Given"; readonly master: Redacted.Redacted<string> }
  | { readonly _tag: "Generated"; readonly file: string }

export class SessionKeysError extends Schema.TaggedError<SessionKeysError>()("SessionKeysError", {
  file: Schema.String,
  message: Schema.String
}) {}

/** A new master secret: 32 random bytes in base64. */
const newMaster = () => Crypto.randomBytes(keyBytes).toString("base64")

/**
 * The master secret kept in `file`: read when it exists, else created with a new secret, readable by this user
 * only (0600, in a folder made 0700). Created exclusively, so two processes starting together agree on one.
 */
export const masterFromFile = (file: string): Effect.Effect<Redacted.Redacted<string>, SessionKeysError> =>
  Effect.try({
    try: () => {
      Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
      Option.liftThrowable(() => Fs.writeFileSync(file, `${newMaster()}\n`, { flag: "wx", mode: 0o600 }))()
      return Fs.readFileSync(file, "utf8").trim()
    },
    catch: (cause) => new SessionKeysError({ file, message: `cannot read or create the session master key: ${String(cause)}` })
  }).pipe(
    Effect.flatMap((master) =>
      master === ""
        ? Effect.fail(new SessionKeysError({ file, message: "the session master key file is empty" }))
        : Effect.succeed(Redacted.make(master))
    )
  )

export class SessionKeys extends Context.Service<SessionKeys, {
  /** The account's session key, base64 of 32 bytes: the same for the same phone and master secret. */
  readonly keyFor: (phone: PhoneNumber) => Redacted.Redacted<string>
  /** The account's `SecretBox` (made once per phone). */
  readonly boxFor: (phone: PhoneNumber) => Effect.Effect<SecretBox["Service"]>
  /** The key of the account's TDLib database, base64 of 32 bytes (TDLib's `database_encryption_key`). */
  readonly databaseKeyFor: (phone: PhoneNumber) => Redacted.Redacted<string>
  /** The password of the account's own Redis user, 64 hex digits (safe in a URL). */
  readonly redisPasswordFor: (phone: PhoneNumber) => Redacted.Redacted<string>
}>()("@vigia/control/sessions/SessionKeys") {
  static readonly make = (options: SessionKeysOptions): SessionKeys["Service"] => {
    const boxes = new Map<PhoneNumber, SecretBox["Service"]>()
    const derived = (salt: string, encoding: BufferEncoding) => (phone: PhoneNumber) =>
      Redacted.make(hkdf(options.master, salt, phone).toString(encoding))

    const keyFor = derived("vigia/session-key/v1", "base64")

    const boxFor = (phone: PhoneNumber) =>
      Effect.suspend(() => {
        const known = boxes.get(phone)
        if (known !== undefined) return Effect.succeed(known)
        // A derived key always has the right size: a failure here is a defect.
        return SecretBox.make(keyFor(phone)).pipe(
          Effect.orDie,
          Effect.tap((box) => Effect.sync(() => boxes.set(phone, box)))
        )
      })

    return SessionKeys.of({
      keyFor,
      boxFor,
      databaseKeyFor: derived("vigia/tdlib-database-key/v1", "base64"),
      redisPasswordFor: derived("vigia/redis-password/v1", "hex")
    })
  }

  static readonly layer = (options: SessionKeysOptions) => Layer.succeed(SessionKeys, SessionKeys.make(options))

  /** The keys of the master secret `source` names, generating the single-process mode's file when needed. */
  static readonly layerSource = (source: MasterSource): Layer.Layer<SessionKeys, SessionKeysError> =>
    Layer.effect(
      SessionKeys,
      (source._tag === "Given" ? Effect.succeed(source.master) : masterFromFile(source.file)).pipe(
        Effect.map((master) => SessionKeys.make({ master }))
      )
    )

  static readonly layerConfig = (config: Config.Config<MasterSource>) =>
    Layer.unwrap(Effect.map(config, SessionKeys.layerSource))
}
