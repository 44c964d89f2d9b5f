/**
 * Real TDLib through tdl and prebuilt-tdlib: the library loaded once per process, its log sent to ours, and one
 * bare client per connection.
 */
import { getTdjson } from "prebuilt-tdlib"
import * as tdl from "tdl"
import { Effect } from "effect"
import type * as TdApi from "./TdApi.ts"
import { startFailed, type TdlError } from "./TdlError.ts"

/** tdl and TDLib are process-wide: loaded once, their log quiet and sent to the loggers of the open clients. */
let tdjsonLoaded = false
let openClients = 0

const loadTdjson = Effect.try({
  try: () => {
    if (tdjsonLoaded) return
    tdl.configure({ tdjson: getTdjson(), verbosityLevel: tdlibLogLevel })
    tdl.init()
    tdl.execute({ _: "setLogStream", log_stream: { _: "logStreamEmpty" } })
    tdjsonLoaded = true
  },
  catch: (cause) => startFailed(`could not load TDLib: ${String(cause)}`)
})

/** TDLib's errors (1) and fatal errors (0) reach our logger; its chatter stays inside. */
const tdlibLogLevel = 1

const routeTdlibLog = Effect.gen(function*() {
  const context = yield* Effect.context<never>()
  const run = Effect.runForkWith(context)
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      openClients += 1
      if (openClients === 1) {
        tdl.setLogMessageCallback(tdlibLogLevel, (level, message) => {
          const line = message.trim()
          run(level === 0 ? Effect.logFatal("TDLib", line) : Effect.logError("TDLib", line))
        })
      }
    }),
    () =>
      Effect.sync(() => {
        openClients -= 1
        if (openClients === 0) tdl.setLogMessageCallback(tdlibLogLevel, null)
      })
  )
  return run
})

/** Opens a client of the real TDLib, closed by the `Tdl` service. */
export const connectTdlib: TdApi.Connect<TdlError, never> = (onUpdate) =>
  Effect.gen(function*() {
    yield* loadTdjson
    const run = yield* routeTdlibLog
    const client = yield* Effect.try({
      try: () => tdl.createBareClient(),
      catch: (cause) => startFailed(`could not create a TDLib client: ${String(cause)}`)
    })
    client.on("update", onUpdate)
    client.on("error", (error) => run(Effect.logWarning("TDLib error outside any request", error.message)))
    const send = (request: TdApi.AnyRequest) =>
      Effect.tryPromise({
        // tdl types `invoke` over every TDLib function; `TdApi.AnyRequest` is that same shape for the ones we use.
        try: () => (client.invoke as (request: TdApi.AnyRequest) => Promise<unknown>)(request),
        catch: (cause): TdApi.TdError =>
          cause instanceof tdl.TDLibError
            ? { _: "error", code: cause.code, message: cause.message }
            : { _: "error", code: 500, message: cause instanceof Error ? cause.message : String(cause) }
      })
    return { send }
  })
