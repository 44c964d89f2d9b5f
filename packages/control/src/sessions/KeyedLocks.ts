/** One operation at a time per key (an account, a seller): operations on other keys run side by side. */
import { Effect, Semaphore } from "effect"

export const make = <K>() => {
  const locks = new Map<K, Semaphore.Semaphore>()
  return <A, E, R>(key: K, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      let lock = locks.get(key)
      if (lock === undefined) {
        lock = Semaphore.makeUnsafe(1)
        locks.set(key, lock)
      }
      return Semaphore.withPermit(lock, effect)
    })
}
