import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import * as Fs from "node:fs"
import { TdlFake } from "../src/tdlib/fake/TdlFake.ts"
import * as Worker from "../src/Worker.ts"
import type { WorkerSettings } from "../src/WorkerConfig.ts"
import { ControlSide, outcome, queueLayer, randomPrefix } from "./ControlSide.ts"
import { fakeTdl, makeDataDir, randomPhone, testConfig, TestConfig } from "./TestConfig.ts"

const groupA = -4001001001
const groupB = -4001001002
const supergroup = -1002001001001
const channel = -1002001001002

/** A worker over the fake TDLib and the machine's Redis under `prefix`, and the control plane's side of its queues. */
const harness = (config: WorkerSettings, prefix: string, script?: string) => {
  const queue = queueLayer(prefix)
  const tdl = fakeTdl(config, Option.fromUndefinedOr(script)).pipe(
    Layer.provideMerge(Layer.succeed(TestConfig, config)),
    Layer.provide(NodeFileSystem.layer)
  )
  const worker = Worker.layer(config).pipe(Layer.provide(NodeFileSystem.layer))
  return worker.pipe(
    Layer.provideMerge(ControlSide.layer(config.phone)),
    Layer.provideMerge(Layer.mergeAll(queue, tdl))
  )
}

const withWorker = (script?: string) =>
  <A, E>(test: Effect.Effect<A, E, ControlSide | Queue | TdlFake | TestConfig>) => {
    const config = testConfig(makeDataDir())
    return test.pipe(
      Effect.provide(harness(config, randomPrefix(), script)),
      Effect.ensuring(Effect.sync(() => Fs.rmSync(config.dataDir, { recursive: true, force: true })))
    )
  }

const login = Effect.gen(function*() {
  const control = yield* ControlSide
  const config = yield* TestConfig
  assert.isTrue(outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: config.phone }))).ok)
  assert.isTrue(outcome(yield* control.send(new Messages.SubmitCode({ code: Redacted.make("12345") }))).ok)
  return yield* control.next("Authorized")
})

describe("the session worker over its queues", () => {
  it.live("logs in: a wrong code, the right one with separators, a wrong 2FA password, the right one", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const config = yield* TestConfig
      yield* control.next("WorkerStarted")
      const waitPhone = yield* control.next("AuthorizationState")
      assert.strictEqual(waitPhone.state, "WaitTdlibParameters")
      assert.strictEqual((yield* control.next("AuthorizationState")).state, "WaitPhoneNumber")

      assert.isTrue(outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: config.phone }))).ok)
      const code = yield* control.next("WaitingForCode")
      assert.deepStrictEqual([code.codeType, code.length, code.nextType, code.timeoutSeconds], ["TelegramMessage", 5, "Sms", 60])

      const wrong = outcome(yield* control.send(new Messages.SubmitCode({ code: Redacted.make("5 4 3 2 1") })))
      assert.deepStrictEqual(wrong, { ok: false, code: 400, message: "PHONE_CODE_INVALID" })
      const right = outcome(yield* control.send(new Messages.SubmitCode({ code: Redacted.make("1a2b3c4d5") })))
      assert.isTrue(right.ok)

      const password = yield* control.next("WaitingForPassword")
      assert.strictEqual(password.hint, "nome do cachorro")
      const wrongPassword = outcome(
        yield* control.send(new Messages.SubmitPassword({ password: Redacted.make("senha-errada") }))
      )
      assert.deepStrictEqual(wrongPassword, { ok: false, code: 400, message: "PASSWORD_HASH_INVALID" })
      assert.isTrue(
        outcome(yield* control.send(new Messages.SubmitPassword({ password: Redacted.make("senha-secreta") }))).ok
      )
      const authorized = yield* control.next("Authorized")
      assert.deepInclude(authorized.user, { userId: 700000001, firstName: "Ana", username: "ana_vende" })
      assert.strictEqual(authorized.user.phoneNumber, config.phone)

      const again = outcome(yield* control.send(new Messages.SubmitCode({ code: Redacted.make("12345") })))
      assert.deepStrictEqual(again, { ok: false, code: 400, message: "Call to checkAuthenticationCode unexpected" })
    }).pipe(withWorker(JSON.stringify({ password: "senha-secreta" }))))

  it.live("lists chats groups first, reads one, sends a message, refuses what Telegram refuses", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      yield* login
      const chats = outcome(yield* control.send(new Messages.GetChats({ limit: 50 })))
      assert.deepStrictEqual(chats.ok ? chats.value : chats, [
        { id: groupA, title: "Pedidos Vila Mariana", kind: "group" },
        { id: supergroup, title: "Feira de Sábado", kind: "supergroup" },
        { id: groupB, title: "Encomendas do Condomínio", kind: "group" },
        { id: channel, title: "Promoções da Semana", kind: "channel" },
        { id: 700000002, title: "Carlos Cliente", kind: "private" }
      ])
      const one = outcome(yield* control.send(new Messages.GetChat({ chatId: supergroup })))
      assert.deepStrictEqual(one.ok ? one.value : one, { id: supergroup, title: "Feira de Sábado", kind: "supergroup" })
      const missing = outcome(yield* control.send(new Messages.GetChat({ chatId: 123 })))
      assert.deepStrictEqual(missing, { ok: false, code: 400, message: "Chat not found" })

      const sent = outcome(yield* control.send(new Messages.SendMessage({ chatId: groupA, text: "Total: R$ 12,00" })))
      assert.isTrue(sent.ok)
      assert.deepStrictEqual((yield* fake.sentMessages).map((m) => [m.chatId, m.text]), [[groupA, "Total: R$ 12,00"]])
      const refused = outcome(yield* control.send(new Messages.SendMessage({ chatId: channel, text: "oi" })))
      assert.deepStrictEqual(refused, { ok: false, code: 400, message: "Have no rights to send a message" })

      const me = outcome(yield* control.send(new Messages.GetMe()))
      assert.deepInclude(me.ok ? me.value : me, { userId: 700000001, firstName: "Ana", lastName: "Vendedora" })
      assert.isTrue(outcome(yield* control.send(new Messages.Ping())).ok)
    }).pipe(withWorker()))

  it.live("does not run a command that waited in the queue longer than a command may take", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      yield* login
      const late = outcome(yield* control.send(new Messages.SendMessage({ chatId: groupA, text: "tarde demais" }), "10 seconds", "2 minutes"))
      assert.isFalse(late.ok)
      assert.include(late.ok ? "" : `${late.code} ${late.message}`, "408 COMMAND_EXPIRED")
      assert.deepStrictEqual(yield* fake.sentMessages, [])
      assert.isTrue(outcome(yield* control.send(new Messages.SendMessage({ chatId: groupA, text: "a tempo" }))).ok)
    }).pipe(withWorker()))

  it.live("publishes new messages with words from watched chats only, none from before they were watched", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      yield* login
      assert.isTrue(outcome(yield* control.send(new Messages.SetWatchedChats({ chatIds: [groupA, supergroup] }))).ok)
      const now = Math.floor(Date.now() / 1000)
      yield* fake.injectMessage({ chatId: groupA, text: "2x coca 2L" })
      yield* fake.injectMessage({ chatId: groupB, text: "grupo não vigiado" })
      yield* fake.injectMessage({ chatId: groupA })
      yield* fake.injectMessage({ chatId: groupA, text: "antigo", date: now - 3600 })
      yield* control.send(new Messages.SendMessage({ chatId: groupA, text: "Pedido anotado" }))
      yield* fake.injectMessage({ chatId: supergroup, caption: "1 pão de queijo" })

      const first = yield* control.next("NewMessage")
      assert.deepInclude(first, { chatId: groupA, text: "2x coca 2L", senderId: 700000002, senderName: "Carlos Cliente" })
      const second = yield* control.next("NewMessage")
      assert.deepInclude(second, { chatId: supergroup, text: "1 pão de queijo" })

      assert.isTrue(outcome(yield* control.send(new Messages.SetWatchedChats({ chatIds: [groupB] }))).ok)
      yield* fake.injectMessage({ chatId: groupA, text: "não vigiado agora" })
      yield* fake.injectMessage({ chatId: groupB, text: "vigiado agora" })
      const third = yield* control.next("NewMessage")
      assert.deepInclude(third, { chatId: groupB, text: "vigiado agora" })

      const published = (yield* control.received).flatMap((m) => m.update._tag === "NewMessage" ? [m.update.text] : [])
      assert.deepStrictEqual(published, ["2x coca 2L", "1 pão de queijo", "vigiado agora"])
      for (const message of yield* control.received) assert.strictEqual(message.containerId, "test-worker")
    }).pipe(withWorker()))

  it.live("publishes edits of customers' messages in watched chats, with who wrote them and when they were edited", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      yield* login
      assert.isTrue(outcome(yield* control.send(new Messages.SetWatchedChats({ chatIds: [groupA] }))).ok)
      const order = yield* fake.injectMessage({ chatId: groupA, text: "2x coca 2L" })
      const published = yield* control.next("NewMessage")
      const elsewhere = yield* fake.injectMessage({ chatId: groupB, text: "2x coca 2L" })

      yield* fake.editMessage({ chatId: groupB, messageId: elsewhere, text: "3x coca 2L" })
      yield* fake.editMessage({ chatId: groupA, messageId: order, caption: "" })
      const editDate = yield* fake.editMessage({ chatId: groupA, messageId: order, text: "3x coca 2L", date: published.date })

      const edit = yield* control.next("MessageEdited")
      assert.deepStrictEqual(
        { ...edit },
        { ...new Messages.MessageEdited({ chatId: groupA, messageId: order, senderId: 700000002, senderName: "Carlos Cliente", text: "3x coca 2L", date: published.date, editDate }) }
      )
      const edits = (yield* control.received).filter((message) => message.update._tag === "MessageEdited")
      assert.lengthOf(edits, 1)
    }).pipe(withWorker()))

  it.live("each message starts its own trace, carried in its envelope; other updates carry none", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      yield* login
      assert.isTrue(outcome(yield* control.send(new Messages.SetWatchedChats({ chatIds: [groupA] }))).ok)
      yield* fake.injectMessage({ chatId: groupA, text: "2x coca 2L" })
      yield* fake.injectMessage({ chatId: groupA, text: "1 pão de queijo" })
      yield* control.next("NewMessage")
      yield* control.next("NewMessage")

      const received = yield* control.received
      const traces = received.flatMap((message) => message.update._tag === "NewMessage" ? [message.trace] : [])
      assert.lengthOf(traces, 2)
      assert.match(traces[0]?.traceId ?? "", /^[0-9a-f]{32}$/)
      assert.notStrictEqual(traces[0]?.traceId, traces[1]?.traceId)
      for (const message of received.filter((message) => message.update._tag !== "NewMessage")) {
        assert.isUndefined(message.trace, message.update._tag)
      }
    }).pipe(withWorker()))

  it.live("beats every heartbeat interval, with the account's authorization state", () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const config = yield* TestConfig
      const nextBeat = (after: number) =>
        queue.lastBeats([config.phone]).pipe(
          Effect.map((beats) => beats.get(config.phone)),
          Effect.flatMap((beat) => beat !== undefined && beat.at > after ? Effect.succeed(beat) : Effect.fail("no beat yet")),
          Effect.retry(Schedule.spaced("20 millis")),
          Effect.timeout("3 seconds")
        )
      const first = yield* nextBeat(0)
      assert.strictEqual(first.authorization, "WaitPhoneNumber")
      const second = yield* nextBeat(first.at)
      const third = yield* nextBeat(second.at)
      assert.isAtLeast(third.at - first.at, 450)
      assert.isBelow(third.at - first.at, 3_000)
    }).pipe(withWorker()))

  it.live("logs out: TDLib closed, `logged out` published, later commands answered with an error", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      yield* login
      assert.isTrue(outcome(yield* control.send(new Messages.LogOut())).ok)
      yield* control.next("LoggedOut")
      assert.isTrue(outcome(yield* control.send(new Messages.Ping())).ok)
      const me = outcome(yield* control.send(new Messages.GetMe()))
      assert.deepStrictEqual(me, { ok: false, code: 503, message: "TDLib is closed; getMe was not sent" })
    }).pipe(withWorker()))

  it.live("answers with a timeout error when TDLib cannot reach Telegram", () =>
    Effect.gen(function*() {
      const control = yield* ControlSide
      const fake = yield* TdlFake
      const config = yield* TestConfig
      yield* fake.setConnectionState("connectionStateWaitingForNetwork")
      const started = Date.now()
      const answer = outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: config.phone })))
      assert.deepInclude(answer, { ok: false, code: 504 })
      assert.isBelow(Date.now() - started, Duration.toMillis(config.commandTimeout) + 1_500)
      const other = outcome(yield* control.send(new Messages.StartLogin({ phoneNumber: randomPhone() })))
      assert.deepInclude(other, { ok: false, code: 400 })
    }).pipe(withWorker()))

  it.live("restarted on an authorized database, publishes `authorized` with no new code", () =>
    Effect.gen(function*() {
      const config = testConfig(makeDataDir())
      const prefix = randomPrefix()
      yield* login.pipe(Effect.provide(harness(config, prefix)))
      const restarted = yield* Effect.gen(function*() {
        const control = yield* ControlSide
        yield* control.next("WorkerStarted")
        return yield* control.next("Authorized")
      }).pipe(Effect.provide(harness(config, prefix)))
      assert.strictEqual(restarted.user.userId, 700000001)
      Fs.rmSync(config.dataDir, { recursive: true, force: true })
    }))
})
