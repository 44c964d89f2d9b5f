/**
 * Workers' presence in Redis: each account's last heartbeat in one expiring key beside its queues, written
 * with SET and read for many accounts with one MGET per batch.
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

/** Plain keys on the producer connection: a beat opens no queue and wakes no consumer. */
export const make = (
  redis: Redis,
  options: { readonly prefix: string; readonly redisTimeout: Duration.Duration }
): Pick<Transport, "beat" | "lastBeats" | "clearBeat"> => {
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

  return { beat, lastBeats, clearBeat }
}
