/**
 * The `Tdl` service: one TDLib client for one account, real (tdl + prebuilt-tdlib) or
 * fake, with a timeout on every request, an allowlist of updates and a clean close.
 */
import {
  Context,
  Deferred,
  Duration,
  Effect,
  type FileSystem,
  Layer,
  Option,
  Queue,
  Redacted,
  Schema,
  Stream,
  SubscriptionRef
} from "effect"
import * as Path from "node:path"
import * as DatabaseKey from "./DatabaseKey.ts"
import type { FakeOptions, TdlFake } from "./fake/TdlFake.ts"
import * as TdApi from "./TdApi.ts"
import { connectTdlib } from "./TdlibClient.ts"
import { startFailed, TdlClosed, TdlError, TdlibFailure, TdlTimeout, TdlUnexpectedAnswer } from "./TdlError.ts"

export interface InvokeOptions {
  readonly timeout?: Duration.Input
}

/** What any TDLib, real or fake, is opened with. */
export interface TdlOptions {
  /** The account's folder: TDLib keeps its database in `database/` and its files in `files/` there. */
  readonly folder: string
  /** How long a request waits for TDLib's answer, unless it asks for another timeout. */
  readonly requestTimeout: Duration.Duration
}

/** Real TDLib's settings: the app's credentials from my.telegram.org, the database key, the network. */
export interface TdlibSettings {
  readonly apiId: number
  readonly apiHash: Redacted.Redacted<string>
  /** The account's own key; none: TDLib's public default, which protects nothing. */
  readonly databaseEncryptionKey: Option.Option<Redacted.Redacted<string>>
  /** A key the database may still be under (earlier versions' one key for every account): moved to the own key. */
  readonly previousDatabaseEncryptionKey: Option.Option<Redacted.Redacted<string>>
  /** `none` tells TDLib there is no network, so it connects nowhere (tests, offline checks). */
  readonly network: "auto" | "none"
}

export const databaseDirectory = (folder: string): string => Path.join(folder, "database")
export const filesDirectory = (folder: string): string => Path.join(folder, "files")

export class Tdl extends Context.Service<Tdl, {
  /** Sends one request; TDLib's answer is decoded, its error typed, and no request waits past its timeout. */
  readonly invoke: <const R extends TdApi.AnyRequest>(
    request: R,
    options?: InvokeOptions
  ) => Effect.Effect<TdApi.Result<R["_"]>, TdlError>
  /** The allowlisted updates, decoded, in TDLib's order, buffered from the start: meant for one consumer. */
  readonly updates: Stream.Stream<TdApi.Update>
  /** The latest authorization state TDLib reported. */
  readonly authorizationState: Effect.Effect<TdApi.AuthorizationState>
  /** Completes when TDLib reports `authorizationStateClosed` (after `close`, `logOut` or a failure). */
  readonly closed: Effect.Effect<void>
  /** Asks TDLib to close and waits for `authorizationStateClosed`; does nothing when already closed. */
  readonly close: Effect.Effect<void, TdlError>
}>()("@vigia/session-worker/tdlib/Tdl") {
  /** TDLib through tdl and prebuilt-tdlib. */
  static readonly layer = (options: TdlOptions & TdlibSettings): Layer.Layer<Tdl, TdlError> =>
    Layer.effect(
      Tdl,
      make(connectTdlib, {
        _: "setTdlibParameters",
        use_test_dc: false,
        database_directory: databaseDirectory(options.folder),
        files_directory: filesDirectory(options.folder),
        use_file_database: false,
        use_chat_info_database: true,
        use_message_database: true,
        use_secret_chats: false,
        api_id: options.apiId,
        api_hash: Redacted.value(options.apiHash),
        system_language_code: "pt",
        device_model: "Vigia",
        system_version: "Linux",
        application_version: "0.1.0"
      }, {
        timeout: options.requestTimeout,
        offline: options.network === "none",
        keys: DatabaseKey.databaseKeys(options.databaseEncryptionKey, options.previousDatabaseEncryptionKey)
      })
    )

  /**
   * The in-memory TDLib of `fake/` behind the same service, plus the `TdlFake`
   * service that tests use to drive it in-process (and its loopback side channel).
   * Loaded only when asked for: a worker on real TDLib never holds the fake and its HTTP server in memory.
   */
  static readonly layerFake = (
    options: TdlOptions & FakeOptions
  ): Layer.Layer<Tdl | TdlFake, TdlError, FileSystem.FileSystem> =>
    Layer.unwrap(Effect.map(loadFake, ({ TdlFake }) =>
      Layer.effect(
        Tdl,
        TdlFake.use((fake) =>
          make(fake.connect, {
            _: "setTdlibParameters",
            database_directory: databaseDirectory(options.folder),
            files_directory: filesDirectory(options.folder),
            use_message_database: true,
            api_id: 1,
            api_hash: "0123456789abcdef0123456789abcdef",
            system_language_code: "pt",
            device_model: "Vigia",
            application_version: "0.1.0"
          }, { timeout: options.requestTimeout, offline: false, keys: DatabaseKey.databaseKeys(Option.none(), Option.none()) })
        )
      ).pipe(Layer.provideMerge(TdlFake.layer(options)))
    ))
}

const loadFake = Effect.tryPromise({
  try: () => import("./fake/TdlFake.ts"),
  catch: (cause) => startFailed(`could not load the fake TDLib: ${String(cause)}`)
})

const isClosedState = (state: TdApi.AuthorizationState) => state._ === "authorizationStateClosed"

/** How long TDLib may take to open its database (a locked one fails after about 10 s) and to close it. */
const openTimeout = Duration.seconds(20)
const closeTimeout = Duration.seconds(20)

/**
 * The service over any `TdClient`: sends the TDLib parameters when asked for them,
 * waits until TDLib is past that state, and closes TDLib when the scope closes.
 */
const make = Effect.fnUntraced(function*<E, R>(
  connect: TdApi.Connect<E, R>,
  parameters: TdApi.Request<"setTdlibParameters">,
  options: {
    /** The default timeout of a request. */
    readonly timeout: Duration.Input
    /** Tell TDLib there is no network before it could open a connection. */
    readonly offline: boolean
    /** The database's keys: its own first, then the older ones it may still be under. */
    readonly keys: DatabaseKey.DatabaseKeys
  }
) {
  const raw = yield* Queue.unbounded<{ readonly _: string }>()
  const updates = yield* Queue.unbounded<TdApi.Update>()
  const authorizationState = yield* SubscriptionRef.make<TdApi.AuthorizationState>({
    _: "authorizationStateWaitTdlibParameters"
  })
  const closed = yield* Deferred.make<void>()
  const parametersFailure = yield* Deferred.make<string>()
  const openedWith = yield* Deferred.make<string>()

  const client: TdApi.TdClient = yield* connect((update) => {
    if (TdApi.updateTags.has(update._)) Queue.offerUnsafe(raw, update)
  })

  const send = <const R extends TdApi.AnyRequest>(request: R, timeout: Duration.Input) =>
    client.send(request).pipe(
      Effect.mapError((error) =>
        new TdlError({ reason: new TdlibFailure({ request: request._, code: error.code, message: error.message }) })
      ),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new TdlError({
              reason: new TdlTimeout({ request: request._, timeout: Duration.format(Duration.fromInputUnsafe(timeout)) })
            })
          )
      }),
      Effect.flatMap((answer) =>
        Schema.decodeUnknownEffect(TdApi.results[request._])(answer).pipe(
          Effect.mapError((issue) =>
            new TdlError({ reason: new TdlUnexpectedAnswer({ request: request._, message: issue.message }) })
          )
        )
      )
    )

  const invoke = <const R extends TdApi.AnyRequest>(request: R, invokeOptions?: InvokeOptions) =>
    Effect.gen(function*() {
      if (yield* Deferred.isDone(closed)) {
        return yield* new TdlError({ reason: new TdlClosed({ request: request._ }) })
      }
      return yield* send(request, invokeOptions?.timeout ?? options.timeout)
    })

  const offline = send({ _: "setNetworkType", type: { _: "networkTypeNone" } }, openTimeout).pipe(
    Effect.tapError((error) => Effect.logWarning("TDLib kept its network", error.message)),
    Effect.ignore,
    Effect.forkScoped({ startImmediately: true })
  )

  // TDLib answers requests in the order it got them: the network type is set before anything could connect.
  const sendParameters = (options.offline ? offline : Effect.void).pipe(
    Effect.andThen(DatabaseKey.open((request) => send(request, openTimeout), parameters, options.keys)),
    Effect.flatMap((key) => Deferred.succeed(openedWith, key)),
    Effect.catch((error) =>
      Deferred.succeed(parametersFailure, error.message).pipe(
        Effect.andThen(Effect.logError("TDLib refused its parameters", error.message))
      )
    )
  )

  const handle = Effect.fnUntraced(function*(update: { readonly _: string }) {
    const decoded = yield* Schema.decodeUnknownEffect(TdApi.Update)(update).pipe(
      Effect.tapError((issue) => Effect.logWarning("TDLib update with an unexpected shape", update._, issue.message)),
      Effect.option
    )
    if (Option.isNone(decoded)) return
    const value = decoded.value
    if (value._ === "updateAuthorizationState") {
      const state = value.authorization_state
      yield* SubscriptionRef.set(authorizationState, state)
      if (state._ === "authorizationStateWaitTdlibParameters") yield* sendParameters
      if (isClosedState(state)) yield* Deferred.succeed(closed, undefined)
    }
    yield* Queue.offer(updates, value)
  })

  yield* Stream.fromQueue(raw).pipe(Stream.runForEach(handle), Effect.forkScoped)

  const close = Effect.gen(function*() {
    if (yield* Deferred.isDone(closed)) return
    yield* client.send({ _: "close" }).pipe(Effect.ignore, Effect.forkScoped)
    yield* Deferred.await(closed).pipe(
      Effect.timeoutOrElse({
        duration: closeTimeout,
        orElse: () =>
          Effect.fail(new TdlError({ reason: new TdlTimeout({ request: "close", timeout: Duration.format(closeTimeout) }) }))
      })
    )
  }).pipe(Effect.scoped)

  yield* Effect.addFinalizer(() =>
    close.pipe(
      Effect.tap(() => Effect.logInfo("TDLib closed")),
      Effect.catch((error) => Effect.logError("TDLib did not close cleanly", error.message))
    )
  )

  const opened = yield* SubscriptionRef.changes(authorizationState).pipe(
    Stream.filter((state) => state._ !== "authorizationStateWaitTdlibParameters"),
    Stream.runHead,
    Effect.map(Option.match({
      onNone: () => "TDLib stopped while opening",
      onSome: (state) => isClosedState(state) ? "TDLib closed while opening" : undefined
    })),
    Effect.raceFirst(Deferred.await(parametersFailure)),
    Effect.timeoutOption(openTimeout)
  )
  const failure = Option.getOrElse(opened, () => `no answer within ${Duration.format(openTimeout)}`)
  if (failure !== undefined) return yield* startFailed(failure)
  if ((yield* Deferred.await(openedWith)) !== options.keys.current) {
    yield* Effect.logWarning("TDLib's database is under an older key: it moves to the account's own once authorized")
    yield* DatabaseKey.reencryptWhenAuthorized(
      (request) => send(request, options.timeout),
      SubscriptionRef.changes(authorizationState),
      options.keys.current
    ).pipe(Effect.forkScoped)
  }

  return Tdl.of({
    invoke,
    updates: Stream.fromQueue(updates),
    authorizationState: SubscriptionRef.get(authorizationState),
    closed: Deferred.await(closed),
    close
  })
})
