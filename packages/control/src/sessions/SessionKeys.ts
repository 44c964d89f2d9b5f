/**
 * Each session's AES key, derived and never stored: HKDF-SHA256 over a master secret with the phone number as info,
 * 32 bytes, base64. The master secret is `SESSION_MASTER_KEY` when set, else one derived from `BOT_TOKEN`.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import * as Crypto from "node:crypto"

const keyBytes = 32

const hkdf = (secret: Redacted.Redacted<string>, salt: string, info: string): string =>
  Buffer.from(Crypto.hkdfSync("sha256", Redacted.value(secret), salt, info, keyBytes)).toString("base64")

/** The master secret used when `SESSION_MASTER_KEY` is not set: the bot token, through its own HKDF. */
export const masterFromBotToken = (botToken: Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.make(hkdf(botToken, "vigia/session-master-key/v1", "bot-token"))

/**
 * The master secret: `SESSION_MASTER_KEY` if set and not blank, else derived from `BOT_TOKEN`. Changing it (or,
 * without `SESSION_MASTER_KEY`, the bot token) changes every session key: workers must restart with their new key,
 * and commands still queued under the old one no longer open. Set `SESSION_MASTER_KEY` to rotate the token freely.
 */
export const masterSecret = Effect.gen(function*() {
  const configured = yield* Config.option(Config.Redacted("SESSION_MASTER_KEY"))
  const explicit = Option.filter(configured, (value) => Redacted.value(value).trim() !== "")
  if (Option.isSome(explicit)) return explicit.value
  return masterFromBotToken(yield* Config.Redacted("BOT_TOKEN"))
})

export class SessionKeys extends Context.Service<SessionKeys, {
  /** The account's session key, base64 of 32 bytes: the same for the same phone and master secret. */
  readonly keyFor: (phone: PhoneNumber) => Redacted.Redacted<string>
  /** The account's `SecretBox` (made once per phone). */
  readonly boxFor: (phone: PhoneNumber) => Effect.Effect<SecretBox["Service"]>
}>()("@vigia/control/sessions/SessionKeys") {
  static readonly make = (master: Redacted.Redacted<string>): SessionKeys["Service"] => {
    const boxes = new Map<PhoneNumber, SecretBox["Service"]>()

    const keyFor = (phone: PhoneNumber) => Redacted.make(hkdf(master, "vigia/session-key/v1", phone))

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

    return SessionKeys.of({ keyFor, boxFor })
  }

  static readonly layerWith = (master: Redacted.Redacted<string>) => Layer.succeed(SessionKeys, SessionKeys.make(master))

  /** From `SESSION_MASTER_KEY`, else `BOT_TOKEN`. */
  static readonly layer = Layer.effect(SessionKeys, Effect.map(masterSecret, SessionKeys.make))
}
