/**
 * Each session's AES key, derived and never stored: HKDF-SHA256 over a master secret with the phone number as info,
 * 32 bytes, base64. The master secret is given; `masterFromBotToken` derives one from the bot token.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Config, Context, Effect, Layer, Redacted } from "effect"
import * as Crypto from "node:crypto"

const keyBytes = 32

const hkdf = (secret: Redacted.Redacted<string>, salt: string, info: string): string =>
  Buffer.from(Crypto.hkdfSync("sha256", Redacted.value(secret), salt, info, keyBytes)).toString("base64")

/** A master secret from the bot token, through its own HKDF: used when no master key is set. */
export const masterFromBotToken = (botToken: Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.make(hkdf(botToken, "vigia/session-master-key/v1", "bot-token"))

export interface SessionKeysOptions {
  /** Changing it changes every session key: workers must restart with their new key. */
  readonly master: Redacted.Redacted<string>
}

export class SessionKeys extends Context.Service<SessionKeys, {
  /** The account's session key, base64 of 32 bytes: the same for the same phone and master secret. */
  readonly keyFor: (phone: PhoneNumber) => Redacted.Redacted<string>
  /** The account's `SecretBox` (made once per phone). */
  readonly boxFor: (phone: PhoneNumber) => Effect.Effect<SecretBox["Service"]>
}>()("@vigia/control/sessions/SessionKeys") {
  static readonly make = (options: SessionKeysOptions): SessionKeys["Service"] => {
    const boxes = new Map<PhoneNumber, SecretBox["Service"]>()

    const keyFor = (phone: PhoneNumber) => Redacted.make(hkdf(options.master, "vigia/session-key/v1", phone))

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

  static readonly layer = (options: SessionKeysOptions) => Layer.succeed(SessionKeys, SessionKeys.make(options))

  static readonly layerConfig = (config: Config.Wrap<SessionKeysOptions>) =>
    Layer.effect(SessionKeys, Effect.map(Config.unwrap(config), SessionKeys.make))
}
