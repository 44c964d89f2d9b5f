/**
 * One fake TDLib client on the account, as `tdl.createBareClient` opens one: the start-up noise, the TDLib
 * parameters and the network type, logging out and closing, and each request routed to its handler.
 */
import { Effect, Option, Ref } from "effect"
import type * as TdApi from "../TdApi.ts"
import type { FakeAccount } from "./FakeAccount.ts"
import { chatHandlers } from "./FakeChats.ts"
import { loginHandlers } from "./FakeLogin.ts"
import { ok, startupNoise, tdError, unexpected } from "./FakeObjects.ts"
import {
  authorizationFile,
  becomeReady,
  closeWith,
  type FakeSession,
  forget,
  type Handlers,
  makeSession,
  ready,
  setState
} from "./FakeSession.ts"

/** The state TDLib resumes a QR-code login in: a `tg://login` link for a device where the account is logged in. */
const qrCodeConfirmation = (account: FakeAccount): TdApi.AuthorizationState => ({
  _: "authorizationStateWaitOtherDeviceConfirmation",
  link: `tg://login?token=${Buffer.from(`fake-login-${account.phone}`).toString("base64url")}`
})

type Lifecycle =
  | "setTdlibParameters"
  | "setDatabaseEncryptionKey"
  | "getAuthorizationState"
  | "setNetworkType"
  | "logOut"
  | "close"

const lifecycleHandlers = (account: FakeAccount, session: FakeSession): Handlers<Lifecycle> => ({
  setTdlibParameters: (request) =>
    Effect.gen(function*() {
      const state = yield* Ref.get(session.authorization)
      if (state._ !== "authorizationStateWaitTdlibParameters") {
        return yield* Effect.fail(tdError(400, "Unexpected setTdlibParameters"))
      }
      if (!request.api_id) {
        return yield* Effect.fail(tdError(400, "Valid api_id must be provided. Can be obtained at https://my.telegram.org"))
      }
      if (!request.api_hash) {
        return yield* Effect.fail(
          tdError(400, "Valid api_hash must be provided. Can be obtained at https://my.telegram.org")
        )
      }
      yield* Ref.set(session.database, Option.fromUndefinedOr(request.database_directory))
      const file = yield* authorizationFile(session)
      const authorized = Option.isSome(file) && (yield* account.fs.exists(file.value).pipe(Effect.orDie))
      if (authorized) yield* becomeReady(account, session)
      else if (account.script.pendingQrCodeLogin) yield* setState(session, qrCodeConfirmation(account))
      else yield* setState(session, { _: "authorizationStateWaitPhoneNumber" })
      session.emit({ _: "updateConnectionState", state: { _: "connectionStateConnecting" } })
      const networkState = yield* Ref.get(account.connection)
      if (networkState !== "connectionStateConnecting") {
        session.emit({ _: "updateConnectionState", state: { _: networkState } })
      }
      return ok
    }),

  // TDLib changes its database's key only for an authorized account; the fake keeps no encrypted database.
  setDatabaseEncryptionKey: () => ready(session).pipe(Effect.as(ok)),

  getAuthorizationState: () => Ref.get(session.authorization),

  setNetworkType: (request) =>
    account.setConnectionState(
      request.type?._ === "networkTypeNone" ? "connectionStateWaitingForNetwork" : "connectionStateReady"
    ).pipe(Effect.as(ok)),

  logOut: () =>
    Effect.gen(function*() {
      const state = yield* Ref.get(session.authorization)
      if (["authorizationStateLoggingOut", "authorizationStateClosing", "authorizationStateClosed"].includes(state._)) {
        return yield* Effect.fail(unexpected("logOut"))
      }
      yield* forget(account, session)
      yield* closeWith(account, session, [
        { _: "authorizationStateLoggingOut" },
        { _: "authorizationStateClosing" },
        { _: "authorizationStateClosed" }
      ])
      return ok
    }),

  close: () =>
    closeWith(account, session, [{ _: "authorizationStateClosing" }, { _: "authorizationStateClosed" }]).pipe(
      Effect.as(ok)
    )
})

/** Opens a client on `account`; it is the account's open client until it closes or the scope does. */
export const connect = (account: FakeAccount): TdApi.Connect<never, never> => (onUpdate) =>
  Effect.gen(function*() {
    const session = yield* makeSession(onUpdate)
    const handlers: Handlers<TdApi.FunctionName> = {
      ...lifecycleHandlers(account, session),
      ...loginHandlers(account, session),
      ...chatHandlers(account, session)
    }
    const handle = <K extends TdApi.FunctionName>(request: TdApi.Request<K>): Effect.Effect<unknown, TdApi.TdError> => {
      const handler: (request: TdApi.Request<K>) => Effect.Effect<unknown, TdApi.TdError> = handlers[request._]
      return handler(request)
    }
    const send = (request: TdApi.AnyRequest): Effect.Effect<unknown, TdApi.TdError> =>
      Effect.gen(function*() {
        const state = yield* Ref.get(session.authorization)
        if (state._ === "authorizationStateClosed") return yield* Effect.fail(tdError(500, "Request aborted"))
        return yield* handle(request)
      })

    yield* Ref.set(account.current, Option.some(session))
    yield* Effect.addFinalizer(() => Ref.update(account.current, (active) => Option.filter(active, (c) => c !== session)))
    for (const update of startupNoise) onUpdate(update)
    onUpdate({ _: "updateAuthorizationState", authorization_state: { _: "authorizationStateWaitTdlibParameters" } })
    return { send }
  })
