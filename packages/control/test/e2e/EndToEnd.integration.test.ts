import { assert, layer } from "@effect/vitest"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Layer, Redacted, Schedule, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import * as SellerScript from "../support/SellerScript.ts"
import { exchange, includes, lastMessageId, newerThan, replaceTable } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { deleteRedisKeys } from "../support/WorkerHarness.ts"

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"
const prefix = `e2e${Crypto.randomBytes(4).toString("hex")}`
const workersRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-e2e-"))

const groups = [
  { id: -4001001001, kind: "basicGroup", title: "Pedidos Vila Mariana" },
  { id: -1002001001001, kind: "supergroup", title: "Feira de Sábado" },
  { id: -4001001002, kind: "basicGroup", title: "Encomendas do Condomínio" },
  { id: -1002001001003, kind: "supergroup", title: "Marmitas da Semana" },
  { id: -1002001001004, kind: "supergroup", title: "Doces da Ana" },
  { id: -1002001001005, kind: "supergroup", title: "Bairro Saúde" }
] as const
const inactiveGroup = groups[5]
const fakeAccount = {
  password: "senha-secreta",
  passwordHint: "a de sempre",
  chats: [
    { id: 700000002, kind: "private", title: "Carlos Cliente" },
    ...groups,
    { id: -1002001001002, kind: "channel", title: "Promoções da Semana" }
  ]
}

const admin: FakeUser = { id: 9_100_000_001, first_name: "Admin" }
const ana: FakeUser = { id: 9_100_000_002, first_name: "Ana", username: "ana_vende" }
const bruno: FakeUser = { id: 9_100_000_003, first_name: "Bruno" }
const phoneOf = (user: FakeUser): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`55119${String(user.id).slice(-8)}`)

const environment = (api: FakeBotApi["Service"], database: TestDatabase["Service"]) => ({
  ...ControlProcess.processEnvironment({
    api,
    databaseUrl: Redacted.value(database.url),
    redisUrl,
    prefix,
    workersRoot,
    admins: [admin.id]
  }),
  FAKE_TDL_SCRIPT: JSON.stringify(fakeAccount),
  SESSION_MASTER_KEY: "end-to-end-master-key",
  // A killed worker stays down long enough for the seller to be told so.
  WORKER_RESTART_BACKOFF: "30 seconds",
  SESSION_COMMAND_TIMEOUT: "4 seconds"
})

const workerRecord = (phone: PhoneNumber) =>
  JSON.parse(Fs.readFileSync(Path.join(workersRoot, `vigia-session-${phone}.json`), "utf8")) as { readonly pid: number }

const isAlive = (pid: number) => Fs.existsSync(`/proc/${pid}`) && !Fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")

/** A customer writes in one of the seller's groups (the process runtime's folder of the account). */
const customerWrites = (phone: PhoneNumber, chatId: number, text: string) =>
  SellerScript.customerWrites(Path.join(workersRoot, `vigia-session-${phone}-data`), phone, chatId, text)

/** `/login` through to the 2FA password, as a seller types it. */
const logIn = (user: FakeUser) =>
  Effect.gen(function*() {
    yield* exchange(user, "/login", includes("número de telefone"))
    yield* exchange(user, `+55 11 9${String(user.id).slice(-8)}`, includes("código"), "60 seconds")
    yield* exchange(user, "1 2 3 4 5", includes("duas etapas"))
    return yield* exchange(user, "senha-secreta", includes("Seus grupos"))
  })

/** Workers outlive the control plane by design: the test stops what it started, and its queues' keys. */
const cleanup = Effect.sync(() => {
  for (const user of [ana, bruno]) {
    const record = Path.join(workersRoot, `vigia-session-${phoneOf(user)}.json`)
    if (!Fs.existsSync(record)) continue
    const { pid } = JSON.parse(Fs.readFileSync(record, "utf8")) as { readonly pid: number }
    if (isAlive(pid)) process.kill(pid, "SIGKILL")
  }
  Fs.rmSync(workersRoot, { recursive: true, force: true })
}).pipe(Effect.andThen(deleteRedisKeys(prefix)))

const TestLayer = Layer.mergeAll(FakeBotApi.layer, TestDatabase.layerEmpty, Queue.layerBullMq({ redisUrl: Redacted.make(redisUrl), prefix }))

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the control plane, end to end", (it) => {
  it.effect("a seller logs in, picks groups, sends a table and gets exactly one quote per order", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const database = yield* TestDatabase
      const queue = yield* Queue
      const env = environment(api, database)
      const first = yield* ControlProcess.start(env)

      yield* exchange(ana, "/start", includes("Eu sou o Vigia"))
      yield* exchange(ana, "/plano", includes("Seu plano: Gratuito"))
      yield* exchange(ana, "/login", includes("não permite conectar uma conta"))

      yield* exchange(admin, `/admin_plano ${ana.id} basic 30`, includes("Plano Básico concedido"))
      yield* api.awaitMessage(ana.id, includes("Seu plano agora é Básico"))

      // Login: phone, a wrong code, then the control plane restarts in the middle of the login.
      yield* exchange(ana, "/login", includes("número de telefone"))
      const askCode = yield* exchange(ana, "+55 (11) 9" + String(ana.id).slice(-8), includes("Digite o código"), "60 seconds")
      // The keypad's four rows, and the button for a code by SMS once Telegram allows it.
      assert.deepStrictEqual((askCode.reply_markup as { inline_keyboard: Array<unknown> }).inline_keyboard.length, 5)
      yield* exchange(ana, "5 4 3 2 1", includes("Código incorreto"))

      yield* ControlProcess.stop(first)
      const workerBeforeRestart = workerRecord(phoneOf(ana)).pid
      assert.isTrue(isAlive(workerBeforeRestart), "the worker outlives the control plane")
      const second = yield* ControlProcess.start(env)

      yield* exchange(ana, "1 2 3 4 5", includes("duas etapas"))
      assert.strictEqual(workerRecord(phoneOf(ana)).pid, workerBeforeRestart, "the running worker was adopted, not restarted")
      const beforePassword = yield* lastMessageId(api, ana.id)
      const passwordMessage = yield* api.sendText(ana, "senha-errada")
      yield* api.awaitMessage(ana.id, newerThan(beforePassword)(includes("Senha incorreta")))
      assert.isTrue(yield* api.wasDeleted(ana.id, passwordMessage), "the message with the password is deleted")
      yield* exchange(ana, "senha-secreta", includes("Conta conectada"))
      const menu = yield* api.awaitMessage(ana.id, includes("Seus grupos"))

      // Groups: five activate on the basic plan, the sixth is refused with the limit named.
      for (const group of groups.slice(0, 5)) {
        yield* api.pressButton(ana, menu.message_id, `gr:t:${group.id}`)
        yield* api.awaitMessage(ana.id, (message) =>
          message.message_id === menu.message_id &&
          JSON.stringify(message.reply_markup).includes(`✅ ${group.title}`))
      }
      const beforeSixth = yield* lastMessageId(api, ana.id)
      yield* api.pressButton(ana, menu.message_id, `gr:t:${inactiveGroup.id}`)
      yield* api.awaitMessage(ana.id, newerThan(beforeSixth)(includes("até 5 grupos ativos")))

      // The price table, as text.
      yield* replaceTable(ana, "Coca-Cola 2L = 9,50\nPão de queijo = 1,20 / un\nlinha sem preço")
      yield* api.awaitMessage(ana.id, includes("linha 3"))

      // Orders: one in an active group, the same delivered again, one in an inactive group.
      const beforeOrders = yield* lastMessageId(api, ana.id)
      const order = yield* customerWrites(phoneOf(ana), groups[1].id, "Bom dia! 2x coca 2L\n3 pão de queijo")
      const quote = yield* api.awaitMessage(ana.id, newerThan(beforeOrders)(includes("Pedido em Feira de Sábado")), "20 seconds")
      assert.include(quote.text, "R$ 22,60")
      assert.include(quote.text, "Coca-Cola 2L")
      assert.include(quote.text, "Pão de queijo")

      const duplicate = yield* Messages.updateMessage(phoneOf(ana), new Messages.NewMessage({
        chatId: groups[1].id,
        messageId: order.messageId,
        senderId: 700000002,
        senderName: "Carlos Cliente",
        text: "Bom dia! 2x coca 2L\n3 pão de queijo",
        date: Math.floor(Date.now() / 1000)
      }))
      yield* queue.send(QueueNames.updatesQueue(phoneOf(ana)), Messages.UpdateMessage, duplicate, {
        jobId: Schema.decodeUnknownSync(QueueNames.JobId)(`duplicate-${order.messageId}`)
      })
      yield* customerWrites(phoneOf(ana), inactiveGroup.id, "2x coca 2L")
      // A message after both, in the active group, marks the point where the two above were handled.
      yield* customerWrites(phoneOf(ana), groups[0].id, "1 pão de queijo")
      yield* api.awaitMessage(ana.id, newerThan(beforeOrders)(includes("Pedido em Pedidos Vila Mariana")), "20 seconds")
      const reports = (yield* api.messagesIn(ana.id)).filter(newerThan(beforeOrders)(includes("🛒 Pedido")))
      assert.deepStrictEqual(reports.map((report) => report.text.split("\n")[0]), [
        "🛒 Pedido em Feira de Sábado",
        "🛒 Pedido em Pedidos Vila Mariana"
      ])

      // Telegram fails the report once: the update is retried and the report still arrives, once.
      yield* api.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" })
      const beforeRetry = yield* lastMessageId(api, ana.id)
      yield* customerWrites(phoneOf(ana), groups[2].id, "2 coca 2L")
      yield* api.awaitMessage(ana.id, newerThan(beforeRetry)(includes("Pedido em Encomendas do Condomínio")), "20 seconds")
      const retried = (yield* api.messagesIn(ana.id)).filter(newerThan(beforeRetry)(includes("🛒 Pedido")))
      assert.strictEqual(retried.length, 1)

      // A second seller; then the first one's worker dies in the middle of a command.
      yield* exchange(bruno, "/start", includes("Eu sou o Vigia"))
      yield* exchange(admin, `/admin_plano ${bruno.id} premium`, includes("Plano Premium concedido"))
      yield* logIn(bruno)
      process.kill(workerRecord(phoneOf(ana)).pid, "SIGKILL")
      const beforeKill = yield* lastMessageId(api, ana.id)
      const started = Date.now()
      yield* api.sendText(ana, "/grupos")
      yield* api.awaitMessage(ana.id, newerThan(beforeKill)(includes("indisponível")), "8 seconds")
      assert.isBelow(Date.now() - started, 8_000)
      yield* exchange(bruno, "/grupos", includes("Seus grupos"))

      // Logout: Bruno's account is logged out and his worker is gone.
      const brunoWorker = workerRecord(phoneOf(bruno)).pid
      yield* exchange(bruno, "/logout", includes("desconectada"))
      yield* Effect.sync(() => isAlive(brunoWorker)).pipe(
        Effect.filterOrFail((alive) => !alive, () => new Error("the worker is still running")),
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: "10 seconds" })))
      )

      // What an operator sees: ready, and the metrics of all of the above.
      const ready = yield* Effect.promise(() => fetch(`http://127.0.0.1:${second.metricsPort}/readyz`))
      assert.strictEqual(ready.status, 200, yield* Effect.promise(() => ready.text()))
      const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${second.metricsPort}/metrics`).then((response) => response.text()))
      // Ana's worker was killed (dead, waiting out its restart); Bruno logged out (logged-out, or stopped
      // when the manager's stop is recorded after the worker's last update).
      const sessionsIn = (state: string) => Number(new RegExp(`vigia_sessions\\{state="${state}"\\} (\\d+)`).exec(metrics)?.[1])
      assert.strictEqual(sessionsIn("dead"), 1)
      assert.strictEqual(sessionsIn("stopped") + sessionsIn("logged-out"), 1)
      assert.match(metrics, /vigia_session_commands_total\{[^}]*command="GetChats"/)
      assert.match(metrics, /vigia_session_command_latency_ms_bucket/)
      assert.match(metrics, /vigia_updates_processed_total\{[^}]*kind="NewMessage"/)
      assert.match(metrics, /vigia_purchases_reported_total 3/)
      assert.match(metrics, /vigia_queue_jobs\{[^}]*queue="updates"/)

      yield* ControlProcess.stop(second)

      // The operator's logs: phones masked, secrets absent (the workers' output is folded into the control's).
      const logs = first.output() + second.output()
      for (const user of [ana, bruno]) assert.notInclude(logs, phoneOf(user), "a full phone number in the logs")
      assert.notInclude(logs, api.token, "the bot token in the logs")
      assert.notInclude(logs, "senha-secreta", "a 2FA password in the logs")
      assert.notInclude(logs, "senha-errada", "a 2FA password in the logs")
    }).pipe(Effect.ensuring(cleanup)), { timeout: 240_000 })
})
