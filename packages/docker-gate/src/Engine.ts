/**
 * The Docker engine behind the gate, over its Unix socket: one request, its whole answer (the gate serves no
 * stream), bounded in time.
 */
import { Duration, Effect, Option, Schema } from "effect"
import * as Http from "node:http"

export class EngineUnavailable extends Schema.TaggedError<EngineUnavailable>()("EngineUnavailable", {
  message: Schema.String
}) {}

export interface EngineReply {
  readonly status: number
  readonly contentType: string
  readonly body: Buffer
}

/** Long enough for a container's stop (its grace period), short enough that a hung engine is noticed. */
const within = Duration.minutes(2)

/** Sends `method` `path` (with `body` as JSON) to the engine at `socketPath`. */
export const request = (socketPath: string, method: string, path: string, body?: unknown) =>
  Effect.callback<EngineReply, EngineUnavailable>((resume) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const outgoing = Http.request(
      {
        socketPath,
        method,
        path,
        headers: payload === undefined
          ? {}
          : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
      },
      (answer) => {
        const chunks: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => chunks.push(chunk))
        answer.on("end", () =>
          resume(Effect.succeed({
            status: answer.statusCode ?? 502,
            contentType: answer.headers["content-type"] ?? "application/json",
            body: Buffer.concat(chunks)
          })))
        answer.on("error", (error) => resume(Effect.fail(new EngineUnavailable({ message: error.message }))))
      }
    )
    outgoing.on("error", (error) => resume(Effect.fail(new EngineUnavailable({ message: error.message }))))
    outgoing.end(payload)
    return Effect.sync(() => void outgoing.destroy())
  }).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () => Effect.fail(new EngineUnavailable({ message: `no answer within ${Duration.format(within)}` }))
    })
  )

/** The answer's JSON, or none when it is not JSON. */
export const json = (reply: EngineReply): Option.Option<unknown> =>
  Option.liftThrowable((text: string): unknown => JSON.parse(text))(reply.body.toString("utf8"))
