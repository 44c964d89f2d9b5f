/**
 * What `/readyz` asks: each dependency the control plane needs to serve sellers
 * (PostgreSQL, the queue's Redis, the bot's link to Telegram), checked with a short timeout.
 */
import { Context, Duration, Effect, Layer } from "effect"

export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

export interface Probe {
  readonly name: string
  /** Fails, with what is wrong in its message, when the dependency cannot serve. */
  readonly probe: Effect.Effect<void, { readonly message: string }>
}

const probeTimeout = Duration.seconds(2)

export class Readiness extends Context.Service<Readiness, {
  readonly check: Effect.Effect<ReadonlyArray<Check>>
}>()("@vigia/control/http/Readiness") {
  static readonly layer = (probes: ReadonlyArray<Probe>) =>
    Layer.succeed(Readiness, Readiness.of({
      check: Effect.forEach(probes, ({ name, probe }) =>
        probe.pipe(
          Effect.timeout(probeTimeout),
          Effect.match({
            onFailure: (error) => ({ name, ok: false, detail: error.message }),
            onSuccess: () => ({ name, ok: true, detail: "" })
          })
        ), { concurrency: "unbounded" })
    }))
}
