/**
 * The envelopes on the three queues (a command, its response, an update), their builders, the RPC's two sides,
 * and the encoders and decoders of the JSON-safe form stored as a job's data.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Clock, Effect, Option, Schema } from "effect"
import { Command, type SuccessOf, successSchema } from "./Commands.ts"
import { Update } from "./Updates.ts"
import { makeRequestId, protocolVersion, ProtocolVersion, RequestId, Timestamp } from "./Values.ts"

/** A command on `user-{phone}-commands`. */
export class CommandMessage extends Schema.Class<CommandMessage>("@vigia/protocol/CommandMessage")({
  version: ProtocolVersion,
  requestId: RequestId,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  command: Command
}) {}

/** TDLib's error code and text (`400 PHONE_CODE_INVALID`, `429 Too Many Requests: retry after 30`), kept as sent. */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", {
  code: Schema.Int,
  message: Schema.String,
  retryAfterSeconds: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

/** A success value, encoded with its command's `success` schema; absent for commands that succeed with void. */
export class Succeeded extends Schema.TaggedClass<Succeeded>()("Succeeded", {
  value: Schema.optionalKey(Schema.Json)
}) {}

/** The answer to one command, on `user-{phone}-responses`. */
export class Response extends Schema.Class<Response>("@vigia/protocol/Response")({
  version: ProtocolVersion,
  requestId: RequestId,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  result: Schema.Union([Succeeded, CommandError])
}) {}

/** The W3C trace context of the span an update was published in, so the control plane continues its trace. */
export class TraceContext extends Schema.Class<TraceContext>("@vigia/protocol/TraceContext")({
  traceId: Schema.String.check(Schema.isPattern(/^[0-9a-f]{32}$/)),
  spanId: Schema.String.check(Schema.isPattern(/^[0-9a-f]{16}$/)),
  sampled: Schema.Boolean
}) {}

/** An update on `user-{phone}-updates`. */
export class UpdateMessage extends Schema.Class<UpdateMessage>("@vigia/protocol/UpdateMessage")({
  version: ProtocolVersion,
  phoneNumber: PhoneNumber,
  timestamp: Timestamp,
  containerId: Schema.optionalKey(Schema.String),
  update: Update,
  /** The trace the update belongs to, when it was published inside a span (an order's). */
  trace: Schema.optionalKey(TraceContext)
}) {}

// ---------------------------------------------------------------------------------------------------------------
// Builders

/** A command for `phoneNumber` with a fresh request id, stamped now. */
export const commandMessage = Effect.fnUntraced(function*(phoneNumber: PhoneNumber, command: Command) {
  const requestId = yield* makeRequestId
  const timestamp = yield* Clock.currentTimeMillis
  return new CommandMessage({ version: protocolVersion, requestId, phoneNumber, timestamp, command })
})

/** The current span's trace context, if the caller runs inside a span. */
export const currentTraceContext: Effect.Effect<Option.Option<TraceContext>> = Effect.currentSpan.pipe(
  Effect.map((span) => new TraceContext({ traceId: span.traceId, spanId: span.spanId, sampled: span.sampled })),
  Effect.option
)

/** An update from `phoneNumber`'s worker, stamped now, with the trace context of the current span if any. */
export const updateMessage = Effect.fnUntraced(function*(
  phoneNumber: PhoneNumber,
  update: Update,
  containerId?: string
) {
  const timestamp = yield* Clock.currentTimeMillis
  const trace = yield* currentTraceContext
  return new UpdateMessage({
    version: protocolVersion,
    phoneNumber,
    timestamp,
    update,
    ...(containerId === undefined ? {} : { containerId }),
    ...(Option.isSome(trace) ? { trace: trace.value } : {})
  })
})

const respond = (request: CommandMessage, result: Succeeded | CommandError) =>
  Effect.map(Clock.currentTimeMillis, (timestamp) =>
    new Response({
      version: protocolVersion,
      requestId: request.requestId,
      phoneNumber: request.phoneNumber,
      timestamp,
      result
    }))

/**
 * The worker's answer to `request` with the success value of its command, encoded by the command's own schema.
 * A value that does not fit the schema is a defect of the worker.
 */
export const succeed = <C extends Command>(
  request: CommandMessage & { readonly command: C },
  value: SuccessOf<C>
): Effect.Effect<Response> =>
  Schema.encodeUnknownEffect(successSchema(request.command))(value).pipe(
    Effect.orDie,
    Effect.flatMap((encoded) =>
      respond(request, new Succeeded(encoded === undefined ? {} : { value: encoded as Schema.Json }))
    )
  )

/** The worker's answer to `request` with an error (TDLib's code and text). */
export const fail = (request: CommandMessage, error: CommandError): Effect.Effect<Response> => respond(request, error)

/** One handler per command kind, each typed by its command's success schema; TDLib errors as `CommandError`. */
export type CommandHandlers<R> = {
  readonly [Tag in Command["_tag"]]: (
    command: Extract<Command, { readonly _tag: Tag }>
  ) => Effect.Effect<SuccessOf<Extract<Command, { readonly _tag: Tag }>>, CommandError, R>
}

/** The worker's side of the RPC: runs the handler of `request`'s command and answers with its outcome. */
export const respondWith = <R>(request: CommandMessage, handlers: CommandHandlers<R>): Effect.Effect<Response, never, R> => {
  const handle = handlers[request.command._tag] as (command: Command) => Effect.Effect<SuccessOf<Command>, CommandError, R>
  return handle(request.command).pipe(
    Effect.matchEffect({
      onSuccess: (value) => succeed(request, value),
      onFailure: (error) => fail(request, error)
    })
  )
}

/** The control plane's reading of a response to `command`: its typed success value, or its `CommandError`. */
export const resultOf = <C extends Command>(
  command: C,
  response: Response
): Effect.Effect<SuccessOf<C>, CommandError | Schema.SchemaError> => {
  const result = response.result
  if (result._tag === "CommandError") return Effect.fail(result)
  return Schema.decodeUnknownEffect(successSchema(command))(result.value) as Effect.Effect<
    SuccessOf<C>,
    Schema.SchemaError
  >
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding and encoding (the JSON-safe form stored as a job's data)

export const decodeCommandMessage = Schema.decodeUnknownEffect(CommandMessage)
export const encodeCommandMessage = Schema.encodeEffect(CommandMessage)
export const decodeResponse = Schema.decodeUnknownEffect(Response)
export const encodeResponse = Schema.encodeEffect(Response)
export const decodeUpdateMessage = Schema.decodeUnknownEffect(UpdateMessage)
export const encodeUpdateMessage = Schema.encodeEffect(UpdateMessage)
