/**
 * The fake TDLib's loopback HTTP side channel: lets a test drive a worker running in another process (someone
 * writes, the network changes) and read what the account sent.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Schema } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Http from "node:http"
import { ConnectionStateName, type FakeControls, InjectedMessage } from "./FakeAccount.ts"

const SetConnection = Schema.Struct({ state: ConnectionStateName })

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

/** Serves `account` on `127.0.0.1:port` (0: any free port) until the scope closes; answers the port. */
export const serve = Effect.fnUntraced(function*(
  port: number,
  account: FakeControls
) {
  const server = yield* NodeHttpServer.make(() => Http.createServer(), { port, host: "127.0.0.1" })
  const badRequest = (error: { readonly message: string }) => Effect.succeed(json({ error: error.message }, 400))
  const handler = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const route = `${request.method} ${request.url.split("?")[0]}`
    switch (route) {
      case "POST /messages":
        return yield* HttpServerRequest.schemaBodyJson(InjectedMessage).pipe(
          Effect.flatMap((message) =>
            account.injectMessage(message).pipe(
              Effect.map((messageId) => json({ messageId })),
              Effect.catchTag("FakeTdlRefused", (error) => Effect.succeed(json({ error: error.message }, 409)))
            )
          ),
          Effect.catch(badRequest)
        )
      case "POST /connection":
        return yield* HttpServerRequest.schemaBodyJson(SetConnection).pipe(
          Effect.flatMap(({ state }) => account.setConnectionState(state)),
          Effect.as(json({})),
          Effect.catch(badRequest)
        )
      case "GET /sent":
        return json(yield* account.sentMessages)
      case "GET /state":
        return json(yield* account.state)
      default:
        return json({ error: `no route ${route}` }, 404)
    }
  })
  yield* server.serve(handler)
  return "port" in server.address ? server.address.port : port
})
