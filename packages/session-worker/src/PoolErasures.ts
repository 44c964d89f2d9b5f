/**
 * A pool's part in erasing an account's data (`/apagar`): the accounts its erasures note lists are stopped if they
 * run in it, their folders `{dataDir}/{phone}` deleted, and each erasure acknowledged in a note of the pool's own,
 * which the control plane waits for. Only a listed name that is a phone number (digits only) makes a path.
 */
import { mask, PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { Queue } from "@vigia/protocol/Queue"
import * as Roster from "@vigia/protocol/Roster"
import { Effect, FileSystem, Option, Schema } from "effect"
import type { PoolSettings } from "./PoolConfig.ts"
import { accountFolder } from "./WorkerConfig.ts"

const phoneOf = Schema.decodeUnknownOption(PhoneNumber)

/**
 * Erases what the pool's erasures note lists, stopping each account first with `stop`; erasing twice is harmless.
 * Fails only when Redis cannot be read: a note that does not decode, or one account's failure, is logged and does
 * not keep the pool from following its roster.
 */
export const make = Effect.fnUntraced(function*(
  settings: Pick<PoolSettings, "poolId" | "dataDir">,
  queue: Queue["Service"],
  stop: (phone: string) => Effect.Effect<void>
) {
  const fs = yield* FileSystem.FileSystem

  /** One account erased; a failure is logged and not acknowledged (the control plane's erasure then fails). */
  const erase = (phone: PhoneNumber) =>
    Effect.gen(function*() {
      yield* stop(phone)
      yield* fs.remove(accountFolder({ dataDir: settings.dataDir, phone }), { recursive: true, force: true })
      yield* queue.writeNote(settings.poolId, Roster.erasedNote(phone), "erased")
      yield* Effect.logInfo("account's folder erased")
    }).pipe(
      Effect.catch((error) => Effect.logError("could not erase an account's folder", error.message)),
      Effect.annotateLogs({ account: mask(phone) })
    )

  return Effect.gen(function*() {
    const text = yield* queue.readNote(settings.poolId, Roster.erasuresNote)
    const listed = yield* Roster.decodeErasures(text).pipe(
      Effect.catch(() => Effect.as(Effect.logWarning("the pool's erasures note does not read: ignored"), []))
    )
    for (const name of listed) {
      const phone = phoneOf(name)
      if (Option.isNone(phone)) {
        yield* Effect.logWarning("an erasure names no phone number: ignored")
        continue
      }
      yield* erase(phone.value)
    }
  })
})
