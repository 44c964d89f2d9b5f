/**
 * The fake TDLib's loopback HTTP side channel: lets a test drive a worker running in another process (someone
 * writes, the network changes) and read what the account sent.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Schema } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Http from "node:http"
import { ConnectionStateName, type FakeControls, type FakeTdlRefused, InjectedMessage } from "./FakeAccount.ts"
import { EditedMessage } from "./FakeChats.ts"

const SetConnection = Schema.Struct({ state: ConnectionStateName })

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

/** Serves `account` on `127.0.0.1:port` (0: any free port) until the scope closes; answers the port. */
export const serve = Effect.fnUntraced(function*(
  port: number,
  account: FakeControls & {
    /** Someone edits a message (`POST /messages/edit`); answers the edit's date. */
    readonly editMessage: (message: EditedMessage) => Effect.Effect<number, FakeTdlRefused>
  }
) {
  const server = yield* NodeHttpServer.make(() => Http.createServer(), { port, host: "127.0.0.1" })
  const badRequest = (error: { readonly message: string }) => Effect.succeed(json({ error: error.message }, 400))
  /** A message someone writes or edits, as the request's body says; what the fake refuses is a 409. */
  const someoneWrites = <A, I>(body: Schema.Codec<A, I>, act: (message: A) => Effect.Effect<object, FakeTdlRefused>) =>
    HttpServerRequest.schemaBodyJson(body).pipe(
      Effect.flatMap((message) =>
        act(message).pipe(
          Effect.map((answer) => json(answer)),
          Effect.catchTag("FakeTdlRefused", (error) => Effect.succeed(json({ error: error.message }, 409)))
        )
      ),
      Effect.catch(badRequest)
    )
  const handler = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const route = `${request.method} ${request.url.split("?")[0]}`
    switch (route) {
      case "POST /messages":
        return yield* someoneWrites(InjectedMessage, (message) => Effect.map(account.injectMessage(message), (messageId) => ({ messageId })))
      case "POST /messages/edit":
        return yield* someoneWrites(EditedMessage, (message) => Effect.map(account.editMessage(message), (editDate) => ({ editDate })))
      case "POST /connection":
        return yield* HttpServerRequest.schemaBodyJson(SetConnection).pipe(
          Effect.flatMap(({ state }) => account.setConnectionState(state)),
          Effect.as(json({})),
          Effect.catch(badRequest)
        )
      case "POST /close":
        return yield* account.closeClient.pipe(
          Effect.as(json({})),
          Effect.catchTag("FakeTdlRefused", (error) => Effect.succeed(json({ error: error.message }, 409)))
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
