/**
 * A TCP proxy on loopback that a test controls: it forwards to a target until cut (open connections reset, new
 * ones refused), and forwards again once restored; the outage of a server the test must not stop itself.
 */
import { Effect, Scope } from "effect"
import * as Net from "node:net"

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number
  /** Resets every open connection and refuses new ones until `restore`. */
  readonly cut: Effect.Effect<void>
  /** Forwards new connections again. */
  readonly restore: Effect.Effect<void>
  /** Connections accepted while cut, each reset at once: proof that clients kept trying. */
  readonly refused: Effect.Effect<number>
}

/** A proxy to `target` on a free loopback port, closed with the scope. */
export const tcpProxy = (target: { readonly host: string; readonly port: number }): Effect.Effect<TcpProxy, never, Scope.Scope> =>
  Effect.gen(function*() {
    const open = new Set<Net.Socket>()
    let cut = false
    let refused = 0

    const forward = (client: Net.Socket) => {
      if (cut) {
        refused++
        client.resetAndDestroy()
        return
      }
      const upstream = Net.connect(target)
      open.add(client).add(upstream)
      const close = () => {
        for (const socket of [client, upstream]) {
          open.delete(socket)
          socket.destroy()
        }
      }
      client.on("error", close).on("close", close)
      upstream.on("error", close).on("close", close)
      client.pipe(upstream).pipe(client)
    }

    const server = yield* Effect.acquireRelease(
      Effect.callback<Net.Server>((resume) => {
        const server = Net.createServer(forward)
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          for (const socket of open) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )

    return {
      port: (server.address() as Net.AddressInfo).port,
      cut: Effect.sync(() => {
        cut = true
        for (const socket of open) socket.resetAndDestroy()
        open.clear()
      }),
      restore: Effect.sync(() => void (cut = false)),
      refused: Effect.sync(() => refused)
    }
  })
