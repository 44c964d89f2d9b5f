/**
 * The tests' fake Telegram Bot API (`packages/control/test/support/FakeBotApi.ts`) behind a loopback tap that notes the
 * moment each `sendMessage` is taken (its chat and text) and forwards every call unchanged: the pipeline's clock
 * stops when the fake Bot API takes the quote. `layerWithLimits` puts the fake that enforces Telegram's limits
 * behind it; a message it refuses (429) is not an arrival.
 */
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { FakeBotApi } from "../packages/control/test/support/FakeBotApi.ts"

export interface Arrival {
  /** `performance.now()` of this process when the request's body had arrived. */
  readonly at: number
  readonly chatId: number
  readonly text: string
}

export class BotApiTap extends Context.Service<BotApiTap, {
  /** What to give the control plane as `BOT_API_ROOT`. */
  readonly apiRoot: string
  readonly token: string
  /** Called with every `sendMessage` the fake took (answered 200), as its answer passes. */
  readonly onSendMessage: (listener: ((arrival: Arrival) => void) | undefined) => void
  /** `sendMessage` calls taken so far. */
  readonly sent: () => number
  /** `sendMessage` calls the fake refused with 429 so far. */
  readonly refused: () => number
}>()("bench/BotApiTap") {
  static readonly layer = Layer.suspend(() => tap.pipe(Layer.provide(FakeBotApi.layer)))

  static readonly layerWithLimits = Layer.suspend(() => tap.pipe(Layer.provide(FakeBotApi.layerWithLimits())))
}

const tap = Layer.effect(
    BotApiTap,
    Effect.gen(function*() {
      const upstream = yield* FakeBotApi
      let listener: ((arrival: Arrival) => void) | undefined
      let sent = 0
      let refused = 0

      const upstreamPort = Number(new URL(upstream.apiRoot).port)
      const agent = new Http.Agent({ keepAlive: true, maxSockets: 64 })

      const forward = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const body = Buffer.concat(chunks)
          const arrival = () => {
            if (request.url?.endsWith("/sendMessage") !== true) return
            const decoded = JSON.parse(body.toString("utf8") || "{}") as { chat_id?: number | string; text?: string }
            listener?.({ at: performance.now(), chatId: Number(decoded.chat_id), text: String(decoded.text ?? "") })
          }
          const headers: Http.OutgoingHttpHeaders = { "content-length": body.length }
          if (request.headers["content-type"] !== undefined) headers["content-type"] = request.headers["content-type"]
          const upstreamRequest = Http.request(
            { host: "127.0.0.1", port: upstreamPort, path: request.url ?? "/", method: request.method ?? "GET", headers, agent },
            (answer) => {
              if (request.url?.endsWith("/sendMessage") === true) {
                if (answer.statusCode === 200) (sent += 1, arrival())
                if (answer.statusCode === 429) refused += 1
              }
              response.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" })
              answer.pipe(response)
            }
          )
          upstreamRequest.on("error", () => {
            if (!response.headersSent) response.writeHead(502)
            response.end()
          })
          upstreamRequest.end(body)
        })
      }

      const server = yield* Effect.acquireRelease(
        Effect.callback<Http.Server>((resume) => {
          const server = Http.createServer(forward)
          server.keepAliveTimeout = 60_000
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) =>
          Effect.callback<void>((resume) => {
            agent.destroy()
            server.closeAllConnections()
            server.close(() => resume(Effect.void))
          })
      )
      return BotApiTap.of({
        apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        token: upstream.token,
        onSendMessage: (next) => void (listener = next),
        sent: () => sent,
        refused: () => refused
      })
    })
  )
