/**
 * What the container manager needs from the `sessions` table: which accounts should run, and what it saw of
 * their workers. `layer` is the data layer's `Sessions` seen that way; tests give one in memory.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer } from "effect"
import type { DatabaseError } from "../../data/Database.ts"
import { type DesiredState, Sessions, type SessionsError } from "../../data/Sessions.ts"
import type { WorkerPhase } from "./WorkerTable.ts"

export type SessionStoreError = SessionsError | DatabaseError

export class SessionStore extends Context.Service<SessionStore, {
  /** Accounts whose worker should be running (desired state `running`). */
  readonly wanted: Effect.Effect<ReadonlyArray<PhoneNumber>, SessionStoreError>
  /** Records whether the account's worker should run; an account with no session row is left alone. */
  readonly setDesired: (phone: PhoneNumber, desired: DesiredState) => Effect.Effect<void, SessionStoreError>
  /** Records what the manager saw: the worker's phase, the runtime's id for it, and the last error. */
  readonly setObserved: (
    phone: PhoneNumber,
    phase: WorkerPhase,
    details: { readonly runtimeRef?: string; readonly error?: string }
  ) => Effect.Effect<void, SessionStoreError>
  readonly heartbeat: (phone: PhoneNumber, at: Date) => Effect.Effect<void, SessionStoreError>
}>()("@vigia/control/sessions/manager/SessionStore") {
  /** Over the data layer's `Sessions`. */
  static readonly layer = Layer.effect(SessionStore, Effect.map(Sessions, (sessions) => fromSessions(sessions)))
}

/** States the worker's own updates set (`authorized`, `waiting-for-code`, …) that a healthy worker keeps. */
const lifecycleStates: ReadonlySet<string> = new Set(["starting", "stopped", "dead"])

/**
 * The manager writes only lifecycle states: `running` replaces `starting`, `stopped` or `dead` but never what the
 * account reported (`authorized`, …); a restart or a crash loop is `dead` with its reason as the last error.
 */
export const fromSessions = (sessions: Sessions["Service"]): SessionStore["Service"] => {
  const unlessMissing = <A>(effect: Effect.Effect<A, SessionStoreError>) =>
    effect.pipe(Effect.asVoid, Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.void))
  return SessionStore.of({
    wanted: Effect.map(sessions.list({ desired: "running" }), (rows) => rows.map((row) => row.phoneNumber)),
    setDesired: (phone, desired) => unlessMissing(sessions.setDesired(phone, desired)),
    setObserved: (phone, phase, details) =>
      unlessMissing(Effect.gen(function*() {
        if (details.runtimeRef !== undefined) yield* sessions.setRuntimeRef(phone, details.runtimeRef)
        const error = details.error ?? null
        switch (phase) {
          case "running": {
            const session = yield* sessions.get(phone)
            if (lifecycleStates.has(session.observedState)) yield* sessions.recordObserved(phone, "running", null)
            return
          }
          case "restarting":
          case "crash-loop":
            return yield* sessions.recordObserved(phone, "dead", error ?? phase)
          case "starting":
          case "stopped":
            return yield* sessions.recordObserved(phone, phase, error)
          case "unmanaged":
            return
        }
      })),
    heartbeat: (phone) => unlessMissing(sessions.heartbeat(phone))
  })
}
