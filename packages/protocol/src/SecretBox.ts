/**
 * AES-256-GCM sealing of the secret fields of a message (login code, 2FA password, email code) with the
 * per-session key the control plane hands to a worker, so Redis only ever holds their ciphertext.
 */
import * as Crypto from "node:crypto"
import { Context, Effect, Layer, Redacted, Schema } from "effect"

const algorithm = "aes-256-gcm"
const keyBytes = 32
const ivBytes = 12
const tagBytes = 16

export class SecretBoxError extends Schema.TaggedError<SecretBoxError>()("SecretBoxError", {
  reason: Schema.Literals(["InvalidKey", "Undecryptable"]),
  message: Schema.String
}) {}

const invalidKey = new SecretBoxError({
  reason: "InvalidKey",
  message: `the session key must be ${keyBytes} bytes in base64`
})

const undecryptable = new SecretBoxError({
  reason: "Undecryptable",
  message: "the secret does not decrypt with this session's key (wrong key, or tampered ciphertext)"
})

const base64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Seals and opens secrets with one session's key; the schemas' `Secret` field uses it on both sides. */
export class SecretBox extends Context.Service<SecretBox, {
  readonly seal: (secret: Redacted.Redacted<string>) => Effect.Effect<string>
  readonly open: (sealed: string) => Effect.Effect<Redacted.Redacted<string>, SecretBoxError>
}>()("@vigia/protocol/SecretBox") {
  /** A box for a base64 key of 32 bytes, as `generateKey` makes and the worker receives at start. */
  static readonly make = (key: Redacted.Redacted<string>): Effect.Effect<SecretBox["Service"], SecretBoxError> =>
    Effect.gen(function*() {
      const encoded = Redacted.value(key).trim()
      if (!base64.test(encoded)) return yield* invalidKey
      const raw = Buffer.from(encoded, "base64")
      if (raw.length !== keyBytes) return yield* invalidKey

      const seal = (secret: Redacted.Redacted<string>) =>
        Effect.sync(() => {
          const iv = Crypto.randomBytes(ivBytes)
          const cipher = Crypto.createCipheriv(algorithm, raw, iv, { authTagLength: tagBytes })
          const body = Buffer.concat([cipher.update(Redacted.value(secret), "utf16le"), cipher.final()])
          return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")
        })

      const open = (sealed: string) =>
        Effect.suspend(() => {
          const bytes = base64.test(sealed) ? Buffer.from(sealed, "base64") : Buffer.alloc(0)
          if (bytes.length < ivBytes + tagBytes) return Effect.fail(undecryptable)
          return Effect.try({
            try: () => {
              const decipher = Crypto.createDecipheriv(algorithm, raw, bytes.subarray(0, ivBytes), {
                authTagLength: tagBytes
              })
              decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes))
              const plain = Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()])
              return Redacted.make(plain.toString("utf16le"))
            },
            catch: () => undecryptable
          })
        })

      return SecretBox.of({ seal, open })
    })

  /** A fresh random session key, base64: the control plane makes one per session and hands it to the worker. */
  static readonly generateKey: Effect.Effect<Redacted.Redacted<string>> = Effect.sync(() =>
    Redacted.make(Crypto.randomBytes(keyBytes).toString("base64"))
  )

  static readonly layer = (key: Redacted.Redacted<string>) => Layer.effect(SecretBox, SecretBox.make(key))
}
