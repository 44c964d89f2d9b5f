/**
 * Item 2: the session gateway's typed RPC against an idle worker (fake TDLib, logged in, process runtime):
 * `Ping` and `GetChats` round trips, beside a Redis PING and a bare BullMQ request and reply.
 */
import { SessionGateway } from "@vigia/control/sessions/SessionGateway"
import * as Messages from "@vigia/protocol/Messages"
import { Effect } from "effect"
import * as Baselines from "./Baselines.ts"
import { scratchDirectory } from "./Environment.ts"
import { compared, type Figure, type Outcome, outcome } from "./Report.ts"
import * as Seed from "./Seed.ts"
import * as Stats from "./Stats.ts"
import * as Workers from "./Workers.ts"

const targetMs = 10

/** `count` sequential calls of `call` after `warmUp` unmeasured ones; milliseconds each. */
const timed = <E, R>(count: number, warmUp: number, call: Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmUp; i++) yield* call
    const samples: Array<number> = []
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      yield* call
      samples.push(performance.now() - started)
    }
    return samples
  })

const rows = (
  name: string,
  key: string,
  samples: ReadonlyArray<number>,
  baseline: { readonly label: string; readonly samples: ReadonlyArray<number> },
  withTarget = true
): Array<Figure> => {
  const ours = Stats.latencies(samples)
  const theirs = Stats.latencies(baseline.samples)
  return [
    compared({ key: `${key}.p50Ms`, figure: `${name} p50`, value: ours.p50, unit: "ms" }, { label: baseline.label, value: theirs.p50 }),
    compared(
      {
        key: `${key}.p99Ms`,
        figure: `${name} p99`,
        value: ours.p99,
        unit: "ms",
        ...(withTarget ? { target: { text: `p99 < ${targetMs} ms`, met: ours.p99 < targetMs } } : {})
      },
      { label: baseline.label, value: theirs.p99 }
    )
  ]
}

export const run = (count: number): Effect.Effect<Outcome> =>
  Effect.scoped(Effect.gen(function*() {
    const redisPing = yield* Baselines.redisPing(count)
    const bullMq = yield* Baselines.bullMqRoundTrip(count)
    const dataRoot = yield* scratchDirectory("gateway")
    const { getChats, ping } = yield* Effect.gen(function*() {
      const harness = yield* Workers.Harness
      const gateway = yield* SessionGateway
      const phone = Workers.randomPhone()
      yield* Seed.preAuthorize(dataRoot, phone)
      yield* harness.start(phone)
      // Idle: started, heard from, nothing asked of it yet.
      yield* Effect.sleep("1 second")
      const ping = yield* timed(count, 100, gateway.call(phone, new Messages.Ping()))
      const getChats = yield* timed(count, 100, gateway.call(phone, new Messages.GetChats({ limit: 100 })))
      return { ping, getChats }
    }).pipe(Effect.provide(Workers.layer({ name: "rpc", runtime: { _tag: "process", dataRoot }, driver: "fake" })))
    const bare = { label: "bare BullMQ add→process→reply", samples: bullMq }
    return outcome(
      [
        ...rows("command RTT: gateway Ping", "rpc.ping", ping, bare),
        ...rows("command RTT: gateway GetChats", "rpc.getChats", getChats, bare),
        ...rows("baseline: bare BullMQ round trip", "baseline.bullMqRoundTrip", bullMq, { label: "Redis PING", samples: redisPing }, false)
      ],
      [
        { name: "RPC Ping (gateway)", samples: ping },
        { name: "RPC GetChats (gateway)", samples: getChats },
        { name: "bare BullMQ round trip", samples: bullMq },
        { name: "Redis PING", samples: redisPing }
      ]
    )
  })).pipe(Effect.orDie)
