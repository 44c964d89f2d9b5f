/**
 * The fake Bot API's HTTP side on loopback: decodes a call as grammY sends it, passes it through the gates and the
 * opt-in failures, runs the method and answers in Telegram's shape; files are served under `/file/bot{token}/`.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { Gates } from "./Limits.ts"
import type { Store } from "./State.ts"

/** The Bot API methods by name, each given a call's decoded parameters. */
export type Methods = Record<string, (params: Record<string, unknown>) => Promise<unknown> | unknown>

/** A Bot API error answer (`ok: false`), as the real server gives it. */
export class BotApiError {
  readonly code: number
  readonly description: string
  constructor(code: number, description: string) {
    this.code = code
    this.description = description
  }
}

const readBody = (request: Http.IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

/** Decodes a Bot API request's parameters: query string, JSON or multipart, as grammY sends them. */
const decodeParams = async (request: Http.IncomingMessage, url: URL): Promise<Record<string, unknown>> => {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams)
  const body = await readBody(request)
  const type = request.headers["content-type"] ?? ""
  if (body.length === 0) return params
  if (type.startsWith("application/json")) return { ...params, ...(JSON.parse(body.toString("utf8")) as Record<string, unknown>) }
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": type } }).formData()
    for (const [key, value] of form.entries()) {
      params[key] = typeof value === "string" ? parseField(value) : { file_name: value.name, content: Buffer.from(await value.arrayBuffer()).toString("utf8") }
    }
    return params
  }
  return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) }
}

// grammY sends structured fields of multipart payloads as JSON strings.
const parseField = (value: string): unknown => /^[[{]/.test(value) ? JSON.parse(value) as unknown : value

const respond = (response: Http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(JSON.stringify(body))
}

/** The server on a free loopback port, closed (its pollers woken first) when the scope closes; gives the port. */
export const serve = (store: Store, gates: Gates, methods: Methods, token: string) => {
  const { state } = store

  const handle = async (request: Http.IncomingMessage, response: Http.ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const file = url.pathname.match(/^\/file\/bot([^/]+)\/(.+)$/)
    if (file) {
      const found = [...state.files.values()].find((candidate) => candidate.path === file[2])
      if (file[1] !== token || !found) return respond(response, 404, { ok: false, error_code: 404, description: "Not Found" })
      response.writeHead(200, { "content-type": "application/octet-stream" })
      return response.end(found.content)
    }
    const call = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/)
    if (!call || call[1] !== token) return respond(response, 401, { ok: false, error_code: 401, description: "Unauthorized" })
    const method = call[2]!
    const params = await decodeParams(request, url)
    state.calls.push({ method, params, at: Date.now() })
    const gated = gates.check(method, params)
    if (gated === "hang") return
    if (gated !== undefined) return respond(response, gated.error_code, { ok: false, ...gated })
    const raw = state.rawAnswers.get(method)
    if (raw !== undefined && raw.remaining > 0) {
      raw.remaining -= 1
      return respond(response, raw.status, raw.body)
    }
    const failingFor = state.failingUntil.get(method)
    const failure = failingFor !== undefined && Date.now() < failingFor.until
      ? failingFor.failure
      : state.failures.get(method)?.shift()
    if (failure) {
      return respond(response, failure.error_code, {
        ok: false,
        error_code: failure.error_code,
        description: failure.description,
        ...(failure.retry_after === undefined ? {} : { parameters: { retry_after: failure.retry_after } })
      })
    }
    const implementation = methods[method]
    if (!implementation) return respond(response, 404, { ok: false, error_code: 404, description: "Not Found: method not found" })
    const outcome = await Promise.resolve().then(() => implementation(params)).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => error instanceof BotApiError ? error : new BotApiError(500, String(error))
    )
    return outcome instanceof BotApiError
      ? respond(response, outcome.code, { ok: false, error_code: outcome.code, description: outcome.description })
      : respond(response, 200, outcome)
  }

  return Effect.acquireRelease(
    Effect.callback<Http.Server>((resume) => {
      const server = Http.createServer((request, response) => {
        handle(request, response).catch((error: unknown) => respond(response, 500, { ok: false, error_code: 500, description: String(error) }))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        for (const wake of state.pollers.splice(0)) wake()
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => (server.address() as AddressInfo).port))
}
