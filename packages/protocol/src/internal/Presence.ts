/**
 * Workers' presence in Redis: each account's last heartbeat in one expiring key beside its queues, written
 * with SET and read for many accounts with one MGET per batch; and an owner's notes (a pool's roster), plain
 * keys beside its queues too.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect } from "effect"
import type { Redis } from "ioredis"
import { batches, request } from "./Redis.ts"
import type { Transport } from "./Transport.ts"

/**
 * The key holding an account's last heartbeat: inside the account's ACL key prefix, beside its queues, so a
 * worker confined to `~{prefix}:user-{phone}-*` can write it and no other account's.
 */
export const heartbeatKey = (prefix: string, phone: PhoneNumber) => `${prefix}:user-${phone}-heartbeat`

/** A note of `owner` (`roster`…): inside its ACL key prefix, so the owner's own user may read it. */
export const noteKey = (prefix: string, owner: PhoneNumber, name: string) => `${prefix}:user-${owner}-note-${name}`

/** Plain keys on the producer connection: a beat opens no queue and wakes no consumer. */
export const make = (
  redis: Redis,
  options: { readonly prefix: string; readonly redisTimeout: Duration.Duration }
): Pick<Transport, "beat" | "lastBeats" | "clearBeat" | "writeNote" | "readNote"> => {
  const beat = (phone: PhoneNumber, encoded: string, ttl: Duration.Duration) =>
    request("(heartbeat)", options.redisTimeout, () =>
      redis.set(heartbeatKey(options.prefix, phone), encoded, "PX", Math.max(1, Duration.toMillis(ttl)))).pipe(
        Effect.asVoid
      )

  const lastBeats = (phones: ReadonlyArray<PhoneNumber>) =>
    Effect.forEach(batches(phones, 500), (batch) =>
      request("(heartbeat)", options.redisTimeout, () =>
        redis.mget(batch.map((phone) => heartbeatKey(options.prefix, phone)))).pipe(
          Effect.map((values) =>
            batch.flatMap((phone, index) => {
              const value = values[index]
              return typeof value === "string" ? [[phone, value] as const] : []
            })
          )
        )).pipe(Effect.map((found): ReadonlyMap<PhoneNumber, string> => new Map(found.flat())))

  const clearBeat = (phone: PhoneNumber) =>
    request("(heartbeat)", options.redisTimeout, () => redis.del(heartbeatKey(options.prefix, phone))).pipe(Effect.asVoid)

  const writeNote = (owner: PhoneNumber, name: string, text: string | undefined) =>
    request("(note)", options.redisTimeout, (): Promise<unknown> =>
      text === undefined
        ? redis.del(noteKey(options.prefix, owner, name))
        : redis.set(noteKey(options.prefix, owner, name), text)).pipe(Effect.asVoid)

  const readNote = (owner: PhoneNumber, name: string) =>
    request("(note)", options.redisTimeout, () => redis.get(noteKey(options.prefix, owner, name))).pipe(
      Effect.map((text) => text ?? undefined)
    )

  return { beat, lastBeats, clearBeat, writeNote, readNote }
}
