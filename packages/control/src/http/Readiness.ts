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
  readonly probe: Effect.Effect<void, unknown>
}

const probeTimeout = Duration.seconds(2)

export class Readiness extends Context.Service<Readiness, {
  readonly check: Effect.Effect<ReadonlyArray<Check>>
}>()("@vigia/control/http/Readiness") {
  static readonly make = (probes: ReadonlyArray<Probe>) =>
    Layer.succeed(Readiness, Readiness.of({
      check: Effect.forEach(probes, ({ name, probe }) =>
        probe.pipe(
          Effect.timeout(probeTimeout),
          Effect.match({
            onFailure: (error) => ({ name, ok: false, detail: error instanceof Error ? error.message : String(error) }),
            onSuccess: () => ({ name, ok: true, detail: "" })
          })
        ), { concurrency: "unbounded" })
    }))
}
