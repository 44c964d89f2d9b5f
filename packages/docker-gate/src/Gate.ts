/**
 * The gate: an HTTP server speaking the Docker Engine API to the control plane, in front of the engine's socket,
 * which only it holds. Each request is routed (`Routes`), a created resource checked against the worker template
 * (`WorkerTemplate`); what passes is sent on, what does not is answered 403 with the reason, and logged.
 */
import { Context, Effect, Layer, Option, Predicate, Result } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Engine from "./Engine.ts"
import * as Routes from "./Routes.ts"
import { checks, placementUpdate, type WorkerTemplate } from "./WorkerTemplate.ts"

/** Where the gate listens: a TCP address (on a network only the control plane shares), or a Unix socket. */
export type Listen =
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }
  | { readonly _tag: "Unix"; readonly path: string }

export interface GateOptions {
  readonly listen: Listen
  /** The engine's socket, which the gate alone holds. */
  readonly engineSocket: string
  readonly template: WorkerTemplate
}

interface Reply {
  readonly status: number
  readonly contentType: string
  readonly body: Buffer
}

const jsonReply = (status: number, value: unknown): Reply => ({
  status,
  contentType: "application/json",
  body: Buffer.from(JSON.stringify(value))
})

/** Bodies are small JSON documents (a worker's container or service): more than this is refused unread. */
const maxBodyBytes = 1024 * 1024

const readBody = (incoming: Http.IncomingMessage) =>
  Effect.callback<Option.Option<Buffer>>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) {
        incoming.destroy()
        resume(Effect.succeed(Option.none()))
      } else chunks.push(chunk)
    })
    incoming.on("end", () => resume(Effect.succeed(Option.some(Buffer.concat(chunks)))))
    incoming.on("error", () => resume(Effect.succeed(Option.none())))
  })

export class Gate extends Context.Service<Gate, {
  /** Where it listens, as `DOCKER_HOST` names it (`tcp://host:port`, `unix:///path`). */
  readonly address: string
}>()("@vigia/docker-gate/Gate") {
  static readonly make = Effect.fnUntraced(function*(options: GateOptions) {
    const { engineSocket, template } = options
    const engine = (method: string, path: string, body?: unknown) => Engine.request(engineSocket, method, path, body)

    const refuse = (method: string, url: string, reason: string) =>
      Effect.logWarning("refused", reason).pipe(
        Effect.annotateLogs({ method, path: url.split("?")[0] }),
        Effect.as(jsonReply(403, { message: `refused by Vigia's engine gate: ${reason}` }))
      )

    /** The engine's list, Vigia's resources only. */
    const list = Effect.fnUntraced(function*(kind: Routes.Listed, path: string) {
      const reply = yield* engine("GET", path)
      const items = Engine.json(reply)
      if (reply.status !== 200 || Option.isNone(items) || !Array.isArray(items.value)) return reply
      return jsonReply(200, items.value.filter((item) => Routes.isOurs(template, Routes.labelsOf(kind, item))))
    })

    const create = Effect.fnUntraced(function*(kind: Routes.Owned, path: string, name: string | undefined, body: Buffer) {
      const parsed = Option.liftThrowable((text: string): unknown => JSON.parse(text))(body.toString("utf8"))
      if (Option.isNone(parsed)) return { refused: "the body is not JSON" } as const
      // A Swarm service may run the worker image by its id on this engine.
      const image = Engine.json(yield* engine("GET", `/images/${encodeURIComponent(template.image)}/json`))
      const imageId = Option.flatMap(image, (info) =>
        Predicate.hasProperty(info, "Id") && typeof info.Id === "string" ? Option.some(info.Id) : Option.none())
      const check = checks(template, Option.getOrElse(imageId, () => template.image))
      const checked = kind === "container" ? check.container(parsed.value, name) : check[kind](parsed.value)
      if (Result.isFailure(checked)) return { refused: checked.failure } as const
      return { reply: yield* engine("POST", path, checked.success) } as const
    })

    const nodes = Effect.gen(function*() {
      const reply = yield* engine("GET", "/nodes")
      const items = Engine.json(reply)
      if (reply.status !== 200 || Option.isNone(items) || !Array.isArray(items.value)) return reply
      return jsonReply(200, items.value.map(Routes.nodeSummary))
    })

    const updatePlacement = Effect.fnUntraced(function*(found: Extract<Routes.Route, { _tag: "UpdatePlacement" }>, body: Buffer) {
      const parsed = Option.liftThrowable((text: string): unknown => JSON.parse(text))(body.toString("utf8"))
      if (Option.isNone(parsed)) return { refused: "the body is not JSON" } as const
      const inspected = yield* engine("GET", Routes.inspectPath("service", found.name))
      if (inspected.status !== 200) return { reply: inspected } as const
      const item = Option.getOrUndefined(Engine.json(inspected))
      if (!Routes.isOurs(template, Routes.labelsOf("service", item))) {
        return { refused: `${found.name} is not a session worker's service of this deployment` } as const
      }
      const id = Routes.idOf("service", item)
      if (id === undefined) return { refused: `the engine named no id for ${found.name}` } as const
      const checked = placementUpdate(Predicate.hasProperty(item, "Spec") ? item.Spec : undefined, parsed.value)
      if (Result.isFailure(checked)) return { refused: checked.failure } as const
      return { reply: yield* engine("POST", `/services/${encodeURIComponent(id)}/update?${found.query}`, checked.success) } as const
    })

    const onOwn = Effect.fnUntraced(function*(found: Extract<Routes.Route, { _tag: "OnOwn" }>) {
      const inspected = yield* engine("GET", Routes.inspectPath(found.kind, found.name))
      if (inspected.status !== 200) return { reply: inspected } as const
      const item = Option.getOrUndefined(Engine.json(inspected))
      if (!Routes.isOurs(template, Routes.labelsOf(found.kind, item))) {
        return { refused: `${found.name} is not a session worker's ${found.kind} of this deployment` } as const
      }
      if (found.act === undefined) return { reply: inspected } as const
      const id = Routes.idOf(found.kind, item)
      if (id === undefined) return { refused: `the engine named no id for ${found.name}` } as const
      const { method, query, suffix } = found.act
      const path = `${Routes.basePath[found.kind]}/${encodeURIComponent(id)}${suffix}${query === "" ? "" : `?${query}`}`
      return { reply: yield* engine(method, path) } as const
    })

    const handle = Effect.fnUntraced(function*(method: string, url: string, body: Buffer) {
      const decided = Routes.route(template, method, url)
      const outcome: { readonly reply: Reply } | { readonly refused: string } = yield* (() => {
        switch (decided._tag) {
          case "Refuse":
            return Effect.succeed({ refused: decided.reason })
          case "Forward":
            return Effect.map(engine(decided.method, decided.path), (reply) => ({ reply }))
          case "List":
            return Effect.map(list(decided.kind, decided.path), (reply) => ({ reply }))
          case "Create":
            return create(decided.kind, decided.path, decided.name, body)
          case "OnOwn":
            return onOwn(decided)
          case "Nodes":
            return Effect.map(nodes, (reply) => ({ reply }))
          case "UpdatePlacement":
            return updatePlacement(decided, body)
        }
      })()
      if ("refused" in outcome) return yield* refuse(method, url, outcome.refused)
      yield* Effect.logDebug("served", outcome.reply.status).pipe(Effect.annotateLogs({ method, path: url.split("?")[0] }))
      return outcome.reply
    })

    const serve = (incoming: Http.IncomingMessage, outgoing: Http.ServerResponse) =>
      readBody(incoming).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(jsonReply(413, { message: "refused by Vigia's engine gate: the body is too large" })),
          onSome: (body) => handle(incoming.method ?? "GET", incoming.url ?? "/", body)
        })),
        Effect.catchTag("EngineUnavailable", (error) =>
          Effect.logError("the engine did not answer", error.message).pipe(
            Effect.as(jsonReply(502, { message: `Vigia's engine gate cannot reach the engine: ${error.message}` }))
          )),
        Effect.flatMap((reply) =>
          Effect.sync(() => {
            outgoing.writeHead(reply.status, { "Content-Type": reply.contentType, "Content-Length": reply.body.length })
            outgoing.end(reply.body)
          })
        )
      )

    const run = Effect.runForkWith(yield* Effect.context<never>())
    const server = Http.createServer((incoming, outgoing) => void run(serve(incoming, outgoing)))
    const { listen } = options
    if (listen._tag === "Unix") Fs.rmSync(listen.path, { force: true })
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        const ready = () => resume(Effect.void)
        if (listen._tag === "Tcp") server.listen(listen.port, listen.host, ready)
        else server.listen(listen.path, ready)
      }),
      () =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    if (listen._tag === "Unix") Fs.chmodSync(listen.path, 0o660)
    const bound = server.address()
    const address = listen._tag === "Unix"
      ? `unix://${listen.path}`
      : `tcp://${listen.host}:${typeof bound === "object" && bound !== null ? bound.port : listen.port}`
    yield* Effect.logInfo("engine gate listening", address)
    return Gate.of({ address })
  })

  static readonly layer = (options: GateOptions) => Layer.effect(Gate, Gate.make(options))
}
