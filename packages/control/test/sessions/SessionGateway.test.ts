import { assert, layer } from "@effect/vitest"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Clock, Effect, Fiber, Layer, Metric, Option, Predicate, Redacted, Schema } from "effect"
import { commandLatency, commandsTotal, SessionGateway, type SessionUnavailable } from "../../src/sessions/SessionGateway.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { CapturedLogs, lineText } from "../support/RecordingNotifier.ts"
import { answering, eventually, randomPhone, ScriptedContainers, silent, startWorker } from "../support/ScriptedWorker.ts"

const master = Redacted.make("session-gateway-test-master-secret")

const Environment = SessionGateway.layer({ timeout: "5 seconds" }).pipe(
  Layer.provideMerge(Layer.mergeAll(Queue.layerMemory({ attempts: 1 }), SessionKeys.layer({ master }), ScriptedContainers.layer)),
  Layer.provideMerge(CapturedLogs.layer)
)

/** A fresh account with a worker answering by `script`. */
const account = (script = answering({})) =>
  Effect.gen(function*() {
    const phone = randomPhone()
    const box = yield* (yield* SessionKeys).boxFor(phone)
    return yield* startWorker(phone, box, script)
  })

const unavailable = (error: Messages.CommandError | SessionUnavailable) => {
  assert.strictEqual(error._tag, "SessionUnavailable")
  return error as SessionUnavailable
}

/** Waits until a log line says `text`, and returns it. */
const logged = (text: string, extra: string) =>
  Effect.gen(function*() {
    const logs = yield* CapturedLogs
    const lines = yield* eventually(logs.lines, (all) => all.some((line) => lineText(line).includes(text) && lineText(line).includes(extra)))
    return lines.find((line) => lineText(line).includes(text) && lineText(line).includes(extra))
  })

const counted = (command: string, outcome: string) =>
  Effect.map(Metric.value(Metric.withAttributes(commandsTotal, { command, outcome })), (state) => state.count)

layer(Environment, { excludeTestServices: true })("SessionGateway", (it) => {
  it.effect("a command's typed success value comes back, counted and timed", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const chats = [
        new Messages.Chat({ id: -1_002_001_001_001, title: "Feira de Sábado", kind: "supergroup", memberCount: 120 }),
        new Messages.Chat({ id: -4_001_001_001, title: "Pedidos Vila Mariana", kind: "group" })
      ]
      const worker = yield* account(answering({ GetChats: () => Effect.succeed(chats) }))
      const before = yield* counted("GetChats", "success")
      const latencies = (yield* Metric.value(Metric.withAttributes(commandLatency, { command: "GetChats" }))).count

      const result = yield* gateway.call(worker.phone, new Messages.GetChats({ limit: 50 }))

      assert.deepStrictEqual(result, chats)
      assert.instanceOf(result[0], Messages.Chat)
      assert.strictEqual((yield* counted("GetChats", "success")) - before, 1)
      assert.strictEqual((yield* Metric.value(Metric.withAttributes(commandLatency, { command: "GetChats" }))).count - latencies, 1)
    }))

  it.effect("a TDLib error comes back as a typed CommandError", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const worker = yield* account(answering({
        SubmitCode: () => Effect.fail(new Messages.CommandError({ code: 400, message: "PHONE_CODE_INVALID" }))
      }))
      const before = yield* counted("SubmitCode", "command-error")

      const error = yield* Effect.flip(gateway.call(worker.phone, new Messages.SubmitCode({ code: Redacted.make("12345") })))

      assert.strictEqual(error._tag, "CommandError")
      if (error._tag === "CommandError") assert.deepStrictEqual([error.code, error.message], [400, "PHONE_CODE_INVALID"])
      assert.strictEqual((yield* counted("SubmitCode", "command-error")) - before, 1)
    }))

  it.effect("a success value that does not fit its command is a CommandError 502, not a crash", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const worker = yield* account((request) =>
        Effect.map(Clock.currentTimeMillis, (timestamp) =>
          Option.some(new Messages.Response({
            version: Messages.protocolVersion,
            requestId: request.requestId,
            phoneNumber: request.phoneNumber,
            timestamp,
            result: new Messages.Succeeded({ value: { chatId: "not a number" } })
          })))
      )
      const error = yield* Effect.flip(gateway.call(worker.phone, new Messages.SendMessage({ chatId: 1, text: "oi" })))
      assert.strictEqual(error._tag, "CommandError")
      if (error._tag === "CommandError") assert.strictEqual(error.code, 502)
    }))

  it.effect("a command that breaks its own schema is a CommandError 400 and never reaches the worker", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const worker = yield* account()
      const tooLong = new Messages.SendMessage({ chatId: 1, text: "x".repeat(4097) }, { disableChecks: true })

      const error = yield* Effect.flip(gateway.call(worker.phone, tooLong))

      assert.strictEqual(error._tag, "CommandError")
      if (error._tag === "CommandError") assert.match(error.message, /^INVALID_COMMAND: /)
      yield* gateway.call(worker.phone, new Messages.Ping())
      assert.deepStrictEqual((yield* worker.commands).map((request) => request.command._tag), ["Ping"])
    }))

  it.effect("a login code crosses the queue only as ciphertext that opens with this account's key alone", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const keys = yield* SessionKeys
      const worker = yield* account()

      yield* gateway.call(worker.phone, new Messages.SubmitCode({ code: Redacted.make("31415") }))

      const [raw] = yield* worker.raw
      assert.notInclude(JSON.stringify(raw), "31415")
      const sealed = Predicate.isObject(raw) && Predicate.isObject(raw.command) ? raw.command.code : undefined
      assert.isString(sealed)
      const box = yield* keys.boxFor(worker.phone)
      assert.strictEqual(Redacted.value(yield* box.open(sealed as string)), "31415")
      const otherBox = yield* keys.boxFor(randomPhone())
      assert.strictEqual((yield* Effect.flip(otherBox.open(sealed as string))).reason, "Undecryptable")
      const [received] = yield* worker.commands
      assert.strictEqual(received?.command._tag, "SubmitCode")
      if (received?.command._tag === "SubmitCode") assert.strictEqual(Redacted.value(received.command.code), "31415")
    }))

  it.effect("no response in time is SessionUnavailable Timeout; the late response is dropped and logged", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const logs = yield* CapturedLogs
      const worker = yield* account(silent)
      const before = yield* counted("Ping", "Timeout")
      const start = yield* Clock.currentTimeMillis

      const error = unavailable(yield* Effect.flip(gateway.call(worker.phone, new Messages.Ping(), { timeout: "300 millis" })))

      const elapsed = (yield* Clock.currentTimeMillis) - start
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.message, "the account's worker did not answer in time")
      assert.isAtLeast(elapsed, 300)
      assert.isBelow(elapsed, 2_000)
      assert.strictEqual((yield* counted("Ping", "Timeout")) - before, 1)

      const request = yield* worker.received("Ping")
      const late = yield* Messages.succeed(request, undefined)
      yield* Effect.orDie((yield* Queue).send(QueueNames.responsesQueue(worker.phone), Messages.Response, late))
      yield* logged("dropped a response for an unknown or expired request", request.requestId)
      for (const line of yield* logs.lines) assert.notInclude(lineText(line), worker.phone)
    }))

  it.effect("a worker known dead or stopped fails the call at once, well under the timeout, and gets nothing", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const containers = yield* ScriptedContainers
      for (const [state, reason] of [["restarting", "WorkerDead"], ["crash-loop", "WorkerDead"], ["stopped", "NotRunning"]] as const) {
        const worker = yield* account()
        yield* containers.setState(worker.phone, state)
        const start = yield* Clock.currentTimeMillis

        const error = unavailable(yield* Effect.flip(gateway.call(worker.phone, new Messages.GetMe())))

        const elapsed = (yield* Clock.currentTimeMillis) - start
        assert.strictEqual(error.reason, reason)
        assert.isBelow(elapsed, 500, `${state}: failed after ${elapsed} ms; the timeout is 5000 ms`)
        assert.deepStrictEqual(yield* worker.raw, [])
      }
    }))

  it.effect("a call waiting when its worker goes down fails at once, with the answer a call sent after gets", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const containers = yield* ScriptedContainers
      for (const phase of ["restarting", "crash-loop", "stopped"] as const) {
        const worker = yield* account(silent)
        const waiting = yield* Effect.forkChild(Effect.flip(gateway.call(worker.phone, new Messages.GetChats({ limit: 100 }))))
        yield* worker.received("GetChats")
        const start = yield* Clock.currentTimeMillis

        yield* containers.goDown({ phone: worker.phone, phase })

        const error = unavailable(yield* Fiber.join(waiting))
        const elapsed = (yield* Clock.currentTimeMillis) - start
        assert.isBelow(elapsed, 500, `${phase}: failed after ${elapsed} ms; the timeout is 5000 ms`)
        const after = unavailable(yield* Effect.flip(gateway.call(worker.phone, new Messages.GetChats({ limit: 100 }))))
        assert.strictEqual(error.reason, after.reason, phase)
        assert.strictEqual(error.reason, phase === "stopped" ? "NotRunning" : "WorkerDead")
      }
    }))

  it.effect("another account going down leaves a waiting call alone", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const containers = yield* ScriptedContainers
      const worker = yield* account(answering({}))
      const other = yield* account(silent)
      yield* containers.goDown({ phone: other.phone, phase: "restarting" })
      yield* gateway.call(worker.phone, new Messages.Ping())
    }))

  it.effect("a response for an unknown request is dropped and logged, and calls keep working", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const queue = yield* Queue
      const worker = yield* account()
      yield* gateway.register(worker.phone)
      const stray = new Messages.Response({
        version: Messages.protocolVersion,
        requestId: Schema.decodeUnknownSync(Messages.RequestId)("stray-request"),
        phoneNumber: worker.phone,
        timestamp: 1,
        result: new Messages.Succeeded({})
      })

      yield* Effect.orDie(queue.send(QueueNames.responsesQueue(worker.phone), Messages.Response, stray))

      yield* logged("dropped a response for an unknown or expired request", "stray-request")
      yield* gateway.call(worker.phone, new Messages.Ping())
    }))

  it.effect("a response whose envelope names another account is dropped: the call still times out", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const queue = yield* Queue
      const worker = yield* account(silent)
      const call = yield* gateway.call(worker.phone, new Messages.Ping(), { timeout: "1 second" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      const request = yield* worker.received("Ping")
      const forged = new Messages.Response({ ...(yield* Messages.succeed(request, undefined)), phoneNumber: randomPhone() })

      yield* Effect.orDie(queue.send(QueueNames.responsesQueue(worker.phone), Messages.Response, forged))

      yield* logged("dropped a response whose envelope names another account", "")
      assert.strictEqual(unavailable(yield* Fiber.join(call)).reason, "Timeout")
    }))

  it.effect("an interrupted call forgets its request; unregistering fails waiting calls at once", () =>
    Effect.gen(function*() {
      const gateway = yield* SessionGateway
      const queue = yield* Queue
      const worker = yield* account(silent)

      const interrupted = yield* Effect.forkChild(gateway.call(worker.phone, new Messages.Ping()))
      const request = yield* worker.received("Ping")
      yield* Fiber.interrupt(interrupted)
      yield* Effect.orDie(queue.send(QueueNames.responsesQueue(worker.phone), Messages.Response, yield* Messages.succeed(request, undefined)))
      yield* logged("dropped a response for an unknown or expired request", request.requestId)

      const waiting = yield* Effect.forkChild(Effect.flip(gateway.call(worker.phone, new Messages.GetMe())))
      yield* worker.received("GetMe")
      const start = yield* Clock.currentTimeMillis
      yield* gateway.unregister(worker.phone)
      assert.strictEqual(unavailable(yield* Fiber.join(waiting)).reason, "NotRunning")
      assert.isBelow((yield* Clock.currentTimeMillis) - start, 1_000)
    }))
})
