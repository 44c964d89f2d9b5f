import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Effect, Layer, Option, Redacted, Schedule, Schema, type Scope } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as LoginTexts from "../../src/bot/LoginTexts.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import * as ProcessWorkers from "../support/ProcessWorkers.ts"
import * as SellerScript from "../support/SellerScript.ts"
import { exchange, includes, lastMessageId, newerThan } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { deleteRedisKeys } from "../support/WorkerHarness.ts"

// Logins through the fake Bot API and the process runtime with fake TDLib workers, each scenario on a control plane
// of its own (its database, queues and workers' folder), the settings it is about given.

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"
const admin: FakeUser = { id: 9_300_000_001, first_name: "Admin" }

let nextSeller = 9_300_000_100
const newSeller = (name: string): FakeUser => ({ id: nextSeller++, first_name: name })

/** A Brazilian mobile number per seller: `+55 11 9` and the last eight digits of their id. */
const phoneOf = (user: FakeUser) => Schema.decodeUnknownSync(PhoneNumber)(`55119${String(user.id).slice(-8)}`)
const typedPhone = (user: FakeUser) => `+55 11 9${String(user.id).slice(-8)}`

/** The fake Telegram accounts: no 2FA but where a number's own script says otherwise. */
const fakeScript = (byPhone: Record<string, unknown>) => JSON.stringify({ byPhone })

interface Scenario {
  readonly api: FakeBotApi["Service"]
  readonly workers: ProcessWorkers.ProcessWorkers
  readonly queue: Queue["Service"]
  readonly control: ControlProcess.ControlProcess
}

/** Runs `body` against a control plane of its own with `overrides` of the test settings, and removes what it left. */
const scenario = <E>(
  overrides: Readonly<Record<string, string>>,
  body: (scenario: Scenario) => Effect.Effect<void, E, FakeBotApi | Scope.Scope>
) => {
  const prefix = `e2l${Crypto.randomBytes(4).toString("hex")}`
  const workers = ProcessWorkers.make(Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-logins-")))
  const services = Layer.mergeAll(
    FakeBotApi.layer,
    TestDatabase.layerEmpty,
    Queue.layerBullMq({ redisUrl: Redacted.make(redisUrl), prefix })
  )
  return Effect.gen(function*() {
    const api = yield* FakeBotApi
    const database = yield* TestDatabase
    const queue = yield* Queue
    const control = yield* ControlProcess.start({
      ...ControlProcess.processEnvironment({
        api,
        databaseUrl: Redacted.value(database.url),
        redisUrl,
        prefix,
        workersRoot: workers.root,
        admins: [admin.id]
      }),
      SESSION_MASTER_KEY: "logins-end-to-end-master-key",
      WORKER_RESTART_BACKOFF: "30 seconds",
      ...overrides
    })
    yield* body({ api, workers, queue, control }).pipe(
      Effect.tapCause(() => Effect.logError("the control plane said", control.output().slice(-20_000)))
    )
    // The operator's logs: every phone masked.
    assert.notMatch(control.output(), /55119[0-9]{8}/, "a full phone number in the logs")
  }).pipe(
    Effect.scoped,
    Effect.provide(services),
    Effect.ensuring(workers.removeAll.pipe(Effect.andThen(deleteRedisKeys(prefix))))
  )
}

/** The seller meets the bot and an admin grants them the basic plan (which allows connecting an account). */
const onBasicPlan = (seller: FakeUser) => SellerScript.onBasicPlan(admin, seller)

/** `/login` through to the connected account, the code typed as Telegram asks. */
const connect = (seller: FakeUser, typed = typedPhone(seller)) => SellerScript.connect(seller, typed)

const texts = (api: FakeBotApi["Service"], seller: FakeUser) =>
  Effect.map(api.messagesIn(seller.id), (messages) => messages.map((message) => message.text))

/** What the control plane's `/metrics` says now. */
const metrics = (control: ControlProcess.ControlProcess) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${control.metricsPort}/metrics`).then((response) => response.text()))

const keypadPresses = (digits: string) => [...digits].map((digit) => `kp:${digit}`).concat("kp:submit")

describe("logins under load and failure, end to end", () => {
  it.live("ten sellers log in at the same moment: those past the concurrent starts wait in line, told their place, and all connect", () =>
    scenario({}, ({ api, control }) =>
      Effect.gen(function*() {
        const sellers = Array.from({ length: 10 }, (_, index) => newSeller(`Vendedora ${index + 1}`))
        yield* Effect.forEach(sellers, onBasicPlan, { discard: true })
        yield* Effect.forEach(sellers, (seller) => exchange(seller, "/login", includes("número de telefone")), {
          concurrency: "unbounded"
        })
        const before = yield* Effect.forEach(sellers, (seller) => lastMessageId(api, seller.id))
        // All ten numbers at once, as ten sellers tapping "send" together.
        yield* Effect.forEach(sellers, (seller) => api.sendText(seller, typedPhone(seller)), { discard: true })
        yield* Effect.forEach(sellers, (seller, index) =>
          api.awaitMessage(seller.id, newerThan(before[index]!)(includes("Digite o código")), "120 seconds").pipe(
            Effect.andThen(exchange(seller, "1 2 3 4 5", includes("Conta conectada")))
          ), { concurrency: "unbounded" })

        const edits = (yield* api.calls).filter((call) => call.method === "editMessageText").map((call) => String(call.params.text))
        const places = edits.flatMap((text) => /você é o ([0-9]+)º da fila/.exec(text)?.[1] ?? []).map(Number)
        assert.isNotEmpty(places, "the sellers past the concurrent starts were told their place in line")
        assert.isAtMost(Math.max(...places), 6, "four start at once: at most six wait")
        for (const seller of sellers) assert.include((yield* texts(api, seller)).join("\n"), "Conta conectada")
        assert.match(yield* metrics(control), /vigia_start_queue_total\{[^}]*outcome="admitted"[^}]*\} [1-9]/)
      })), { timeout: 240_000 })

  it.live("answers given the moment each prompt shows are taken: the code typed or on the keypad, the 2FA password, the e-mail code", () => {
    const typing = newSeller("Digita")
    const pressing = newSeller("Teclado")
    const byEmail = newSeller("Email")
    const script = fakeScript({
      [phoneOf(typing)]: { password: "senha-secreta" },
      [phoneOf(byEmail)]: { email: { setup: false, pattern: "e***@gmail.com", code: "246810" } }
    })
    return scenario({ FAKE_TDL_SCRIPT: script }, ({ api }) =>
      Effect.gen(function*() {
        yield* Effect.forEach([typing, pressing, byEmail], onBasicPlan, { discard: true })
        const codePrompt = includes("Digite o código")
        let wrongEmailCode = 0
        yield* api.answerAtOnce(typing.id, codePrompt, () => api.sendText(typing, "1 2 3 4 5"))
        yield* api.answerAtOnce(typing.id, includes("duas etapas"), () => api.sendText(typing, "senha-secreta"))
        yield* api.answerAtOnce(pressing.id, codePrompt, (prompt: BotMessage) =>
          Effect.forEach(keypadPresses("12345"), (data) => api.pressButton(pressing, prompt.message_id, data)))
        yield* api.answerAtOnce(byEmail.id, includes("para o e-mail e***@gmail.com"), (prompt: BotMessage) =>
          api.sendText(byEmail, "1 1 1 1 1 1").pipe(
            Effect.tap((id) => Effect.sync(() => (wrongEmailCode = id))),
            // Then the right one on the keypad under the same prompt.
            Effect.andThen(Effect.forEach(keypadPresses("246810"), (data) => api.pressButton(byEmail, prompt.message_id, data)))
          ))

        yield* Effect.forEach([typing, pressing, byEmail], (seller) =>
          exchange(seller, "/login", includes("número de telefone")).pipe(
            Effect.andThen(exchange(seller, typedPhone(seller), includes("Conta conectada"), "90 seconds"))
          ), { concurrency: "unbounded" })

        const emailTexts = (yield* texts(api, byEmail)).join("\n")
        assert.include(emailTexts, "Código incorreto", "a wrong e-mail code counts as an attempt")
        assert.include(emailTexts, "Restam 4 tentativas")
        assert.isTrue(yield* api.wasDeleted(byEmail.id, wrongEmailCode), "the message with the e-mail code is deleted")
        for (const seller of [typing, pressing, byEmail]) {
          assert.notInclude((yield* texts(api, seller)).join("\n"), LoginTexts.stillWaitingTelegram, "no answer fell between steps")
        }
      }))
  }, { timeout: 180_000 })

  it.live("a new code once Telegram allows it, its wait shown; steps only the Telegram app completes are explained and stopped", () => {
    const resending = newSeller("Reenvia")
    const unregistered = newSeller("SemConta")
    const emailSetup = newSeller("SemEmail")
    const otherDevice = newSeller("OutroAparelho")
    const script = fakeScript({
      [phoneOf(resending)]: { codeTimeout: 2 },
      [phoneOf(unregistered)]: { registered: false },
      [phoneOf(emailSetup)]: { email: { setup: true, pattern: "", code: "1234" } },
      [phoneOf(otherDevice)]: { pendingQrCodeLogin: true }
    })
    return scenario({ FAKE_TDL_SCRIPT: script }, ({ api, workers }) =>
      Effect.gen(function*() {
        yield* Effect.forEach([resending, unregistered, emailSetup, otherDevice], onBasicPlan, { discard: true })

        yield* exchange(resending, "/login", includes("número de telefone"))
        const prompt = yield* exchange(resending, typedPhone(resending), includes("Digite o código"), "90 seconds")
        assert.include(prompt.text, "Daqui a 2 s você pode pedir um novo código por SMS")
        const early = yield* api.pressButton(resending, prompt.message_id, "lg:resend")
        yield* Effect.sleep("2500 millis")
        const answered = (yield* api.calls).find((call) => call.method === "answerCallbackQuery" && call.params.callback_query_id === early)
        assert.match(String(answered?.params.text), /^Espere [12] s para pedir um novo código\.$/)
        const beforeResend = yield* lastMessageId(api, resending.id)
        yield* api.pressButton(resending, prompt.message_id, "lg:resend")
        const bySms = yield* api.awaitMessage(resending.id, newerThan(beforeResend)(includes("por SMS")))
        assert.notInclude(JSON.stringify(bySms.reply_markup), "lg:resend", "Telegram names no third way")
        yield* exchange(resending, "1 2 3 4 5", includes("Conta conectada"))

        yield* exchange(unregistered, "/login", includes("número de telefone"))
        yield* exchange(unregistered, typedPhone(unregistered), includes("Digite o código"), "90 seconds")
        yield* exchange(unregistered, "1 2 3 4 5", includes("ainda não tem conta no Telegram"))
        yield* exchange(emailSetup, "/login", includes("número de telefone"))
        yield* exchange(emailSetup, typedPhone(emailSetup), includes("cadastre e confirme um e-mail de login"), "90 seconds")
        yield* exchange(otherDevice, "/login", includes("número de telefone"))
        yield* exchange(otherDevice, typedPhone(otherDevice), includes("confirmado em outro aparelho"), "90 seconds")
        for (const seller of [unregistered, emailSetup, otherDevice]) {
          assert.include((yield* texts(api, seller)).at(-1) ?? "", "/login aqui de novo", "how to come back")
          yield* workers.removed(phoneOf(seller))
        }
      }))
  }, { timeout: 180_000 })

  it.live("a worker killed while /grupos waits on it: the seller is told in seconds, well inside SESSION_COMMAND_TIMEOUT", () =>
    scenario({ SESSION_COMMAND_TIMEOUT: "30 seconds" }, ({ api, queue, workers }) =>
      Effect.gen(function*() {
        const seller = newSeller("Grupos")
        yield* onBasicPlan(seller)
        yield* connect(seller)
        yield* api.awaitMessage(seller.id, includes("Seus grupos"))
        const pid = Option.getOrThrow(workers.pidOf(phoneOf(seller)))
        // Stopped first, so the command waits in its queue, sent and unanswered, when the worker dies.
        process.kill(pid, "SIGSTOP")
        const before = yield* lastMessageId(api, seller.id)
        yield* api.sendText(seller, "/grupos")
        yield* queue.depth(QueueNames.commandsQueue(phoneOf(seller))).pipe(
          Effect.filterOrFail((depth) => depth.waiting > 0, () => new Error("the command is not waiting yet")),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ duration: "20 seconds" })))
        )
        const killedAt = Date.now()
        process.kill(pid, "SIGKILL")
        const answer = yield* api.awaitMessage(seller.id, newerThan(before)(includes("indisponível")), "30 seconds")
        const seconds = (Date.now() - killedAt) / 1000
        assert.isBelow(seconds, 10, `told after ${seconds} s; SESSION_COMMAND_TIMEOUT is 30 s`)
        assert.include(answer.text, "parou de responder", "the answer a call sent to a dead worker gets")
      })), { timeout: 120_000 })

  it.live("phone numbers are read by the numbering plan, Brazil by default; an impossible one is refused before any worker starts", () =>
    scenario({}, ({ workers }) =>
      Effect.gen(function*() {
        const seller = newSeller("Local")
        yield* onBasicPlan(seller)
        yield* exchange(seller, "/login", includes("número de telefone"))
        yield* exchange(seller, "+55 11 1234", includes("curto demais"))
        assert.isTrue(Option.isNone(workers.pidOf("55111234")), "no worker for a number that cannot exist")
        const digits = String(seller.id).slice(-8)
        // Without the country code, as a Brazilian writes their own number.
        yield* exchange(seller, `11 9${digits.slice(0, 4)}-${digits.slice(4)}`, includes("Digite o código"), "90 seconds")
        yield* exchange(seller, "1 2 3 4 5", includes("Conta conectada"))
        const status = yield* exchange(seller, "/status", includes("Sessão: conectada"))
        assert.include(status.text, `+55 *******${String(seller.id).slice(-4)}`)
        assert.isTrue(Option.isSome(workers.pidOf(phoneOf(seller))), "the worker runs for the Brazilian number")
      })), { timeout: 120_000 })

  it.live("one live login per seller: a new /login stops the unfinished one and removes its worker", () =>
    scenario({}, ({ workers }) =>
      Effect.gen(function*() {
        const seller = newSeller("Troca")
        const other = newSeller("Outro número")
        yield* onBasicPlan(seller)
        yield* exchange(seller, "/login", includes("número de telefone"))
        yield* exchange(seller, typedPhone(other), includes("Digite o código"), "90 seconds")
        const abandoned = Option.getOrThrow(workers.pidOf(phoneOf(other)))
        yield* exchange(seller, "/login", includes("número de telefone"))
        yield* workers.gone(abandoned)
        yield* exchange(seller, typedPhone(seller), includes("Digite o código"), "90 seconds")
        yield* exchange(seller, "1 2 3 4 5", includes("Conta conectada"))
        assert.isFalse(workers.running(abandoned), "the first login's worker did not come back")
      })), { timeout: 120_000 })

  it.live("a number is held only while its login goes on: a login left unfinished stops when its time runs out, and the owner logs in", () =>
    scenario({ LOGIN_TIMEOUT: "8 seconds" }, ({ api, workers }) =>
      Effect.gen(function*() {
        const owner = newSeller("Dona")
        const squatter = newSeller("Intrusa")
        yield* Effect.forEach([owner, squatter], onBasicPlan, { discard: true })
        yield* exchange(squatter, "/login", includes("número de telefone"))
        yield* exchange(squatter, typedPhone(owner), includes("Digite o código"), "90 seconds")
        const held = Option.getOrThrow(workers.pidOf(phoneOf(owner)))

        yield* exchange(owner, "/login", includes("número de telefone"))
        yield* exchange(owner, typedPhone(owner), includes("login em andamento"))
        yield* api.awaitMessage(squatter.id, includes("não foi concluído em"), "30 seconds")
        yield* workers.gone(held)

        yield* connect(owner)
        const status = yield* exchange(owner, "/status", includes("Sessão: conectada"))
        assert.include(status.text, `*${String(owner.id).slice(-4)}`)
      })), { timeout: 120_000 })

  it.live("logins are rate-limited per seller, with when to try again", () =>
    scenario({ LOGIN_RATE_LIMIT: "2", LOGIN_RATE_WINDOW: "10 minutes" }, ({ control }) =>
      Effect.gen(function*() {
        const seller = newSeller("Insistente")
        yield* onBasicPlan(seller)
        for (const number of [newSeller("Número 1"), newSeller("Número 2")]) {
          yield* exchange(seller, "/login", includes("número de telefone"))
          yield* exchange(seller, typedPhone(number), includes("Digite o código"), "90 seconds")
        }
        const refused = yield* exchange(seller, "/login", includes("muitas vezes"))
        assert.include(refused.text, "Tente /login de novo em 10 minutos")
        assert.match(yield* metrics(control), /vigia_login_refusals_total\{[^}]*reason="RateLimited"[^}]*\} 1/)
      })), { timeout: 120_000 })

  it.live("a logout releases the number and the worker: another seller then logs in with it", () =>
    scenario({}, ({ workers }) =>
      Effect.gen(function*() {
        const first = newSeller("Primeira")
        const next = newSeller("Seguinte")
        yield* Effect.forEach([first, next], onBasicPlan, { discard: true })
        yield* connect(first)
        const worker = Option.getOrThrow(workers.pidOf(phoneOf(first)))
        yield* exchange(first, "/logout", includes("desconectada"))
        yield* workers.gone(worker)
        yield* connect(next, typedPhone(first))
        yield* exchange(first, "/status", includes("Nenhuma conta do Telegram conectada"))
      })), { timeout: 120_000 })

  it.live("past MAX_SESSIONS a login is refused in Portuguese, with what to do", () =>
    scenario({ MAX_SESSIONS: "1" }, () =>
      Effect.gen(function*() {
        const connected = newSeller("Conectada")
        const late = newSeller("Atrasada")
        yield* Effect.forEach([connected, late], onBasicPlan, { discard: true })
        yield* connect(connected)
        yield* exchange(late, "/login", includes("número de telefone"))
        const refused = yield* exchange(late, typedPhone(late), includes("Não consegui iniciar sua sessão"), "60 seconds")
        assert.include(refused.text, "limite de sessões conectadas")
        assert.include(refused.text, "fale com o suporte")
      })), { timeout: 120_000 })
})
