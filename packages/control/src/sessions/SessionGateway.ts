/**
 * Typed RPC with an account's worker over `user-{phone}-commands|responses`: each call awaits its response by
 * request id within a timeout, and fails at once with `SessionUnavailable` when the worker is stopped or dead,
 * whether it was down before the call was sent or went down while the call waited.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { describeIssue, Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { SecretBox } from "@vigia/protocol/SecretBox"
import { Clock, Config, Context, Deferred, Duration, Effect, Layer, Metric, Option, Schema, Stream } from "effect"
import { ContainerManager, type WorkerStatus } from "./manager/ContainerManager.ts"
import { SessionKeys } from "./SessionKeys.ts"

export const UnavailableReason = Schema.Literals(["NotRunning", "WorkerDead", "Timeout", "QueueUnavailable"])
export type UnavailableReason = typeof UnavailableReason.Type

const unavailableMessages: Record<UnavailableReason, string> = {
  NotRunning: "the account's worker is not running",
  WorkerDead: "the account's worker stopped answering and is being restarted, or was given up on",
  Timeout: "the account's worker did not answer in time",
  QueueUnavailable: "the account's queues cannot be reached"
}

/** The account's worker cannot answer now, for `reason`. */
export class SessionUnavailable extends Schema.TaggedError<SessionUnavailable>()("SessionUnavailable", {
  reason: UnavailableReason
}) {
  override get message() {
    return unavailableMessages[this.reason]
  }
}

const sessionUnavailable = (reason: UnavailableReason) => new SessionUnavailable({ reason })

export interface CallOptions {
  /** How long to wait for the response; the gateway's default otherwise. */
  readonly timeout?: Duration.Input
}

export interface SessionGatewayOptions {
  /** How long a call waits for its response by default. */
  readonly timeout: Duration.Input
}

/** Commands sent, by command and outcome (`success`, `command-error`, or the `SessionUnavailable` reason). */
export const commandsTotal = Metric.counter("vigia_session_commands_total", {
  description: "Commands sent to session workers, by command and outcome",
  incremental: true
})

/** From sending a command to reading its response, in milliseconds, by command. */
export const commandLatency = Metric.histogram("vigia_session_command_latency_ms", {
  description: "Round trip of a command to its session worker, in milliseconds",
  boundaries: Metric.exponentialBoundaries({ start: 5, factor: 2, count: 14 })
})

/** Why the manager's view of the worker rules a call out (before it is sent, or while it waits), if it does. */
const unavailability = (status: Pick<WorkerStatus, "state" | "worker">): Option.Option<UnavailableReason> => {
  switch (status.state) {
    case "stopped":
      return Option.some("NotRunning")
    case "restarting":
    case "crash-loop":
      return Option.some("WorkerDead")
    case "unmanaged":
      return Option.exists(status.worker, (worker) => worker.state === "exited" || worker.state === "failed")
        ? Option.some("NotRunning")
        : Option.none()
    case "starting":
    case "running":
      return Option.none()
  }
}

const outcomeOf = (error: Messages.CommandError | SessionUnavailable): string =>
  error._tag === "CommandError" ? "command-error" : error.reason

interface Pending {
  readonly phone: PhoneNumber
  readonly response: Deferred.Deferred<Messages.Response, SessionUnavailable>
}

export class SessionGateway extends Context.Service<SessionGateway, {
  /**
   * Sends `command` to the account's worker and waits for its typed success value or its `CommandError`.
   * Secrets in the command cross the queue sealed with the account's session key.
   */
  readonly call: <C extends Messages.Command>(
    phone: PhoneNumber,
    command: C,
    options?: CallOptions
  ) => Effect.Effect<Messages.SuccessOf<C>, Messages.CommandError | SessionUnavailable>
  /** Starts reading the account's responses (a call does it too). */
  readonly register: (phone: PhoneNumber) => Effect.Effect<void, SessionUnavailable>
  /** Stops reading the account's responses; calls still waiting fail at once as `NotRunning`. */
  readonly unregister: (phone: PhoneNumber) => Effect.Effect<void>
}>()("@vigia/control/sessions/SessionGateway") {
  static readonly make = Effect.fnUntraced(function*(options: SessionGatewayOptions) {
    const queue = yield* Queue
    const keys = yield* SessionKeys
    const containers = yield* ContainerManager
    const pending = new Map<Messages.RequestId, Pending>()

    const receive = (response: Messages.Response, from: QueueNames.QueueName) =>
      Effect.suspend(() => {
        const account = QueueNames.phoneOf(from)
        if (response.phoneNumber !== account) {
          return Effect.logWarning("dropped a response whose envelope names another account").pipe(
            Effect.annotateLogs({ account: mask(account), envelope: mask(response.phoneNumber) })
          )
        }
        const entry = pending.get(response.requestId)
        if (entry === undefined || entry.phone !== account) {
          return Effect.logInfo("dropped a response for an unknown or expired request").pipe(
            Effect.annotateLogs({ account: mask(account), requestId: response.requestId })
          )
        }
        return Deferred.succeed(entry.response, response)
      })

    const responses = yield* queue.consumeSet(Messages.Response, receive)

    const register = Effect.fn("SessionGateway.register")(function*(phone: PhoneNumber) {
      const name = QueueNames.responsesQueue(phone)
      if ((yield* responses.queues).has(name)) return
      yield* responses.add(name).pipe(
        Effect.tapError((error) =>
          Effect.logWarning("cannot read the account's responses", error.message).pipe(
            Effect.annotateLogs({ account: mask(phone) })
          )
        ),
        Effect.mapError(() => sessionUnavailable("QueueUnavailable"))
      )
    })

    /** Fails every call waiting on the account's worker at once, for `reason`. */
    const failWaiting = (phone: PhoneNumber, reason: UnavailableReason) =>
      Effect.forEach(
        [...pending.values()].filter((entry) => entry.phone === phone),
        (entry) => Deferred.fail(entry.response, sessionUnavailable(reason)),
        { discard: true }
      )

    const unregister = Effect.fn("SessionGateway.unregister")(function*(phone: PhoneNumber) {
      yield* responses.remove(QueueNames.responsesQueue(phone))
      yield* failWaiting(phone, "NotRunning")
    })

    // A worker the manager declares dead, or stops, answers none of the calls waiting on it: each fails at once,
    // as a call sent after would be refused.
    yield* containers.workersDown.pipe(
      Stream.runForEach(({ phase, phone }) =>
        Option.match(unavailability({ state: phase, worker: Option.none() }), {
          onNone: () => Effect.void,
          onSome: (reason) => failWaiting(phone, reason)
        })
      ),
      Effect.forkScoped
    )

    /** The manager's view; when it cannot tell (its runtime does not answer), the call goes ahead. */
    const checkWorker = (phone: PhoneNumber) =>
      containers.status(phone).pipe(
        Effect.map(unavailability),
        Effect.catch((error) =>
          Effect.logWarning("no worker status; sending the command anyway", error.message).pipe(
            Effect.annotateLogs({ account: mask(phone) }),
            Effect.as(Option.none<UnavailableReason>())
          )
        ),
        Effect.flatMap(Option.match({
          onNone: () => Effect.void,
          onSome: (reason) => Effect.fail(sessionUnavailable(reason))
        }))
      )

    const send = Effect.fnUntraced(function*(phone: PhoneNumber, command: Messages.Command, timeout: Duration.Input) {
      yield* checkWorker(phone)
      yield* register(phone)
      const request = yield* Messages.commandMessage(phone, command)
      const response = yield* Deferred.make<Messages.Response, SessionUnavailable>()
      const box = yield* keys.boxFor(phone)
      const sentAt = yield* Clock.currentTimeMillis
      return yield* Effect.gen(function*() {
        pending.set(request.requestId, { phone, response })
        yield* queue.send(QueueNames.commandsQueue(phone), Messages.CommandMessage, request, {
          jobId: QueueNames.commandJobId(request.requestId)
        }).pipe(
          Effect.provideService(SecretBox, box),
          Effect.catchTag("QueueError", (error): Effect.Effect<never, Messages.CommandError | SessionUnavailable> =>
            error.reason === "InvalidMessage"
              ? Effect.fail(new Messages.CommandError({ code: 400, message: `INVALID_COMMAND: ${error.message}` }))
              : Effect.logWarning("could not send a command", error.message).pipe(
                Effect.annotateLogs({ account: mask(phone), command: command._tag }),
                Effect.andThen(Effect.fail(sessionUnavailable("QueueUnavailable")))
              ))
        )
        const answer = yield* Deferred.await(response).pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () =>
              Effect.logWarning("a command got no response in time").pipe(
                Effect.annotateLogs({
                  account: mask(phone),
                  command: command._tag,
                  requestId: request.requestId,
                  seconds: Duration.toSeconds(Duration.fromInputUnsafe(timeout))
                }),
                Effect.andThen(Effect.fail(sessionUnavailable("Timeout")))
              )
          })
        )
        const latency = (yield* Clock.currentTimeMillis) - sentAt
        yield* Metric.update(Metric.withAttributes(commandLatency, { command: command._tag }), latency)
        return answer
      }).pipe(Effect.ensuring(Effect.sync(() => pending.delete(request.requestId))))
    })

    /** The response's success value by the command's schema; a value that does not fit is the worker's fault. */
    const read = <C extends Messages.Command>(phone: PhoneNumber, command: C, response: Messages.Response) =>
      Messages.resultOf(command, response).pipe(
        Effect.catchTag("SchemaError", (error) =>
          Effect.logWarning("a worker's answer did not fit its command", describeIssue(error.issue)).pipe(
            Effect.annotateLogs({ account: mask(phone), command: command._tag }),
            Effect.andThen(Effect.fail(
              new Messages.CommandError({ code: 502, message: `the answer to ${command._tag} did not decode` })
            ))
          ))
      )

    const count = (command: Messages.Command, outcome: string) =>
      Metric.update(Metric.withAttributes(commandsTotal, { command: command._tag, outcome }), 1)

    const call = <C extends Messages.Command>(
      phone: PhoneNumber,
      command: C,
      callOptions?: CallOptions
    ): Effect.Effect<Messages.SuccessOf<C>, Messages.CommandError | SessionUnavailable> =>
      send(phone, command, callOptions?.timeout ?? options.timeout).pipe(
        Effect.flatMap((response) => read(phone, command, response)),
        Effect.tap(() => count(command, "success")),
        Effect.tapError((error) => count(command, outcomeOf(error))),
        Effect.withSpan("SessionGateway.call", { attributes: { command: command._tag } })
      )

    return SessionGateway.of({ call, register, unregister })
  })

  static readonly layer = (options: SessionGatewayOptions) => Layer.effect(SessionGateway, SessionGateway.make(options))

  static readonly layerConfig = (config: Config.Wrap<SessionGatewayOptions>) =>
    Layer.effect(SessionGateway, Effect.flatMap(Config.unwrap(config), SessionGateway.make))
}
