/**
 * One fake TDLib client's own state, and its authorization transitions shared by its request handlers: a new
 * state announced, ready (remembered in the database folder, so it survives a restart), closed.
 */
import { Deferred, Effect, Option, Ref, Semaphore } from "effect"
import * as Path from "node:path"
import type * as TdApi from "../TdApi.ts"
import type { FakeAccount, OpenClient } from "./FakeAccount.ts"
import { tdError, unauthorized } from "./FakeObjects.ts"

export interface FakeSession extends OpenClient {
  /** TDLib's database folder, once the parameters named it. */
  readonly database: Ref.Ref<Option.Option<string>>
  /** Chats already announced with `updateNewChat`. */
  readonly knownChats: Ref.Ref<ReadonlySet<number>>
  /** Wrong codes and passwords in a row, and the end of the flood wait they earned. */
  readonly attempts: Ref.Ref<{ readonly wrong: number; readonly floodUntil: number }>
  /** The authorization request waiting for the network, which the next one cancels. */
  readonly pending: Ref.Ref<Option.Option<Deferred.Deferred<never, TdApi.TdError>>>
  /** Authorization requests run one at a time. */
  readonly requests: Semaphore.Semaphore
}

/** The handlers of some of TDLib's functions, each answering as TDLib would. */
export type Handlers<K extends TdApi.FunctionName> = {
  readonly [N in K]: (request: TdApi.Request<N>) => Effect.Effect<TdApi.Answer<N>, TdApi.TdError>
}

export const makeSession = Effect.fnUntraced(function*(emit: OpenClient["emit"]) {
  return {
    emit,
    authorization: yield* Ref.make<TdApi.AuthorizationState>({ _: "authorizationStateWaitTdlibParameters" }),
    database: yield* Ref.make(Option.none<string>()),
    knownChats: yield* Ref.make<ReadonlySet<number>>(new Set()),
    attempts: yield* Ref.make({ wrong: 0, floodUntil: 0 }),
    pending: yield* Ref.make(Option.none<Deferred.Deferred<never, TdApi.TdError>>()),
    requests: yield* Semaphore.make(1)
  } satisfies FakeSession
})

export const setState = (session: FakeSession, state: TdApi.AuthorizationState) =>
  Ref.set(session.authorization, state).pipe(
    Effect.andThen(Effect.sync(() => session.emit({ _: "updateAuthorizationState", authorization_state: state })))
  )

/** Fails as TDLib does for a request that needs a logged-in account. */
export const ready = (session: FakeSession) =>
  Effect.gen(function*() {
    const state = yield* Ref.get(session.authorization)
    if (state._ !== "authorizationStateReady") return yield* Effect.fail(unauthorized)
  })

/** Where the client remembers that the account is authorized: `fake-td.json` in its database folder. */
export const authorizationFile = (session: FakeSession) =>
  Ref.get(session.database).pipe(Effect.map(Option.map((dir) => Path.join(dir, "fake-td.json"))))

const remember = (account: FakeAccount, session: FakeSession, authorized: boolean) =>
  Effect.gen(function*() {
    const file = yield* authorizationFile(session)
    if (Option.isNone(file)) return
    if (authorized) {
      yield* account.fs.makeDirectory(Path.dirname(file.value), { recursive: true })
      yield* account.fs.writeFileString(file.value, JSON.stringify({ authorized: true, userId: account.script.me.id }))
    } else {
      yield* account.fs.remove(file.value, { force: true })
    }
  }).pipe(Effect.orDie)

export const becomeReady = (account: FakeAccount, session: FakeSession) =>
  Effect.gen(function*() {
    session.emit({ _: "updateUser", user: account.me })
    session.emit({ _: "updateOption", name: "my_id", value: { _: "optionValueInteger", value: String(account.script.me.id) } })
    yield* remember(account, session, true)
    yield* Ref.set(session.attempts, { wrong: 0, floodUntil: 0 })
    yield* setState(session, { _: "authorizationStateReady" })
  })

/** Logging out forgets the authorization; the client closes either way. */
export const forget = (account: FakeAccount, session: FakeSession) => remember(account, session, false)

/** Goes through `states` to closed: a request waiting is aborted, and the client is no longer the open one. */
export const closeWith = (
  account: FakeAccount,
  session: FakeSession,
  states: ReadonlyArray<TdApi.AuthorizationState>
) =>
  Effect.gen(function*() {
    for (const state of states) yield* setState(session, state)
    const waiting = yield* Ref.getAndSet(session.pending, Option.none())
    if (Option.isSome(waiting)) yield* Deferred.fail(waiting.value, tdError(500, "Request aborted"))
    yield* Ref.update(account.current, (active) => Option.filter(active, (c) => c !== session))
  })
