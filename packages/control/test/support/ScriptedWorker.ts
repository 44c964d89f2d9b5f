/**
 * Test stand-ins for an account's worker: one that reads its commands queue as a real worker does, keeps each job's
 * raw data and answers by a script, and a `ContainerManager` that reports the worker states a test sets.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Context, Duration, Effect, Layer, Option, PubSub, Ref, Schedule, Schema, type Scope, Stream } from "effect"
import * as Crypto from "node:crypto"
import { ContainerManager, type WorkerDown, type WorkerPhase } from "../../src/sessions/manager/ContainerManager.ts"

/** A fresh account for each test, so tests of one file never share queues. */
export const randomPhone = (): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`55119${Crypto.randomInt(10_000_000, 99_999_999)}`)

/** What the worker does with a command: the response to send back, or none to stay silent. */
export type Script = (request: Messages.CommandMessage) => Effect.Effect<Option.Option<Messages.Response>>

/** Never answers. */
export const silent: Script = () => Effect.succeed(Option.none())

const notScripted = (command: Messages.Command) =>
  Effect.fail(new Messages.CommandError({ code: 501, message: `${command._tag} is not scripted` }))

/**
 * Answers with `handlers`; commands that succeed with nothing succeed, the others fail with 501 unless given.
 */
export const answering = (handlers: Partial<Messages.CommandHandlers<never>>): Script => (request) =>
  Effect.asSome(Messages.respondWith(request, {
    StartLogin: () => Effect.void,
    ResendCode: () => Effect.void,
    SubmitCode: () => Effect.void,
    SubmitPassword: () => Effect.void,
    SubmitEmailCode: () => Effect.void,
    LogOut: () => Effect.void,
    SetWatchedChats: () => Effect.void,
    Ping: () => Effect.void,
    GetChats: notScripted,
    GetChat: notScripted,
    SendMessage: notScripted,
    GetMe: notScripted,
    ...handlers
  }))

export interface ScriptedWorker {
  readonly phone: PhoneNumber
  /** The commands received, decoded with the account's key, oldest first. */
  readonly commands: Effect.Effect<ReadonlyArray<Messages.CommandMessage>>
  /** Each command job's data exactly as it crossed the queue, oldest first. */
  readonly raw: Effect.Effect<ReadonlyArray<unknown>>
  readonly setScript: (script: Script) => Effect.Effect<void>
  /** Waits for the first command of kind `tag` (polling, up to `within`). */
  readonly received: <Tag extends Messages.Command["_tag"]>(
    tag: Tag,
    within?: Duration.Input
  ) => Effect.Effect<Messages.CommandMessage & { readonly command: Extract<Messages.Command, { readonly _tag: Tag }> }>
}

/** Polls `effect` until it gives a value that satisfies `done`, failing the test after `within`. */
export const eventually = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  within: Duration.Input = "5 seconds"
): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutOrElse({
      duration: within,
      orElse: () => Effect.die(new Error(`the condition did not hold within ${Duration.format(Duration.fromInputUnsafe(within))}`))
    })
  )

/** Starts a worker for `phone` on the `Queue` in context, opening secrets with `box`, until the scope closes. */
export const startWorker = (
  phone: PhoneNumber,
  box: SecretBox["Service"],
  initial: Script
): Effect.Effect<ScriptedWorker, never, Queue | Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue
    const script = yield* Ref.make(initial)
    const raw = yield* Ref.make<ReadonlyArray<unknown>>([])
    const commands = yield* Ref.make<ReadonlyArray<Messages.CommandMessage>>([])

    const handle = (data: unknown) =>
      Effect.gen(function*() {
        yield* Ref.update(raw, (all) => [...all, data])
        const request = yield* Messages.decodeCommandMessage(data).pipe(Effect.provideService(SecretBox, box), Effect.orDie)
        yield* Ref.update(commands, (all) => [...all, request])
        const response = yield* Effect.flatMap(Ref.get(script), (answer) => answer(request))
        if (Option.isSome(response)) {
          yield* queue.send(QueueNames.responsesQueue(phone), Messages.Response, response.value, {
            jobId: QueueNames.responseJobId(request.requestId)
          }).pipe(Effect.orDie)
        }
      })

    yield* queue.consume(QueueNames.commandsQueue(phone), Schema.Unknown, handle).pipe(Effect.orDie)

    const received = <Tag extends Messages.Command["_tag"]>(tag: Tag, within?: Duration.Input) =>
      eventually(Ref.get(commands), (all) => all.some((request) => request.command._tag === tag), within).pipe(
        Effect.map((all) =>
          all.find((request) => request.command._tag === tag) as Messages.CommandMessage & {
            readonly command: Extract<Messages.Command, { readonly _tag: Tag }>
          }
        )
      )

    return {
      phone,
      commands: Ref.get(commands),
      raw: Ref.get(raw),
      setScript: (next: Script) => Ref.set(script, next),
      received
    }
  })

/** The scripted `ContainerManager`'s controls: the state reported per account, and the updates it observed. */
export class ScriptedContainers extends Context.Service<ScriptedContainers, {
  /** The state `status` reports for `phone` (`running` until set). */
  readonly setState: (phone: PhoneNumber, state: WorkerPhase) => Effect.Effect<void>
  /** The manager declares the account's worker dead, or stops it, as it would publish it. */
  readonly goDown: (down: WorkerDown) => Effect.Effect<void>
  /** The manager gives up on the account's worker (a crash loop). */
  readonly crashLoop: (phone: PhoneNumber) => Effect.Effect<void>
  readonly observed: Effect.Effect<ReadonlyArray<Messages.UpdateMessage>>
}>()("test/ScriptedContainers") {
  /** The controls and the `ContainerManager` they script; starting and stopping workers is not scripted. */
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const states = yield* Ref.make(new Map<PhoneNumber, WorkerPhase>())
    const observed = yield* Ref.make<ReadonlyArray<Messages.UpdateMessage>>([])
    const crashLoops = yield* PubSub.unbounded<PhoneNumber>()
    const workersDown = yield* PubSub.unbounded<WorkerDown>()
    const unsupported = Effect.die(new Error("the scripted container manager does not start or stop workers"))
    const manager = ContainerManager.of({
      runtime: "inline",
      start: () => unsupported,
      stop: () => unsupported,
      erase: () => unsupported,
      list: unsupported,
      status: (phone) =>
        Effect.map(Ref.get(states), (all) => ({
          phone,
          state: all.get(phone) ?? "running",
          worker: Option.none(),
          lastSeen: Option.none(),
          restarts: 0,
          detail: Option.none()
        })),
      observe: (message) => Ref.update(observed, (all) => [...all, message]),
      crashLoops: Stream.fromPubSub(crashLoops),
      starts: Stream.empty,
      workersDown: Stream.fromPubSub(workersDown)
    })
    const controls = ScriptedContainers.of({
      setState: (phone, state) => Ref.update(states, (all) => new Map(all).set(phone, state)),
      goDown: (down) => Ref.update(states, (all) => new Map(all).set(down.phone, down.phase)).pipe(
        Effect.andThen(PubSub.publish(workersDown, down)),
        Effect.asVoid
      ),
      crashLoop: (phone) => PubSub.publish(crashLoops, phone).pipe(Effect.asVoid),
      observed: Ref.get(observed)
    })
    return Context.make(ScriptedContainers, controls).pipe(Context.add(ContainerManager, manager))
  }))
}
