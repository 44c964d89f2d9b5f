/**
 * Work queued by key (a seller's chat, an account), one fiber per key while it has work: a key's items are handled
 * in order, different keys at once, and an idle key costs nothing.
 */
import { Effect, FiberSet, type Scope } from "effect"

/** What a key's fiber reads its work from. */
export interface Lane<A> {
  /** Everything queued, oldest first; empty when there is nothing left, and the lane is then closed. */
  readonly takeAll: Effect.Effect<ReadonlyArray<A>>
  /** Everything queued now, possibly nothing; the lane stays open (its fiber goes on). */
  readonly drain: Effect.Effect<ReadonlyArray<A>>
  /** Puts items back ahead of what is queued (a batch to try again). */
  readonly putBack: (items: ReadonlyArray<A>) => Effect.Effect<void>
}

export interface Lanes<K, A> {
  /** Queues `item` on `key`'s lane, starting its fiber when the lane was idle. */
  readonly offer: (key: K, item: A) => Effect.Effect<void>
  /** Lanes with work. */
  readonly active: Effect.Effect<number>
}

/**
 * Lanes whose fibers run `work` until their lane is empty (they live in the scope). `work` handles its own failures:
 * it is given the lane and returns once `takeAll` gave nothing.
 */
export const make = <K, A>(
  work: (key: K, lane: Lane<A>) => Effect.Effect<void>
): Effect.Effect<Lanes<K, A>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make<void, never>()
    const lanes = new Map<K, { items: Array<A> }>()

    const laneOf = (key: K, state: { items: Array<A> }): Lane<A> => ({
      takeAll: Effect.sync(() => {
        const items = state.items
        state.items = []
        if (items.length === 0 && lanes.get(key) === state) lanes.delete(key)
        return items
      }),
      drain: Effect.sync(() => {
        const items = state.items
        state.items = []
        return items
      }),
      putBack: (items) => Effect.sync(() => void (state.items = [...items, ...state.items]))
    })

    const offer = (key: K, item: A) =>
      Effect.suspend(() => {
        const open = lanes.get(key)
        if (open !== undefined) return Effect.sync(() => void open.items.push(item))
        const state = { items: [item] }
        lanes.set(key, state)
        // Should the fiber end abnormally, its lane is closed so that the next offer starts a new one.
        const closed = Effect.sync(() => void (lanes.get(key) === state && lanes.delete(key)))
        return FiberSet.run(fibers, work(key, laneOf(key, state)).pipe(Effect.ensuring(closed))).pipe(Effect.asVoid)
      })

    return { offer, active: Effect.sync(() => lanes.size) }
  })
