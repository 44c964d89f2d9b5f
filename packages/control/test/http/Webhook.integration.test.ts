import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Http from "node:http"
import { freePort } from "../../../../test-support/PrivateRedis.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { includes } from "../support/SellerScript.ts"

const seller: FakeUser = { id: 9_300_000_001, first_name: "Dora" }
const admin: FakeUser = { id: 9_300_000_002, first_name: "Admin" }
const webhookUrl = "https://vigia.example.com/telegram/webhook"
const secret = "webhook-secret-for-tests"

let nextUpdateId = 1

/** An update as Telegram posts it: `user` typed `text` in their private chat with the bot. */
const typed = (user: FakeUser, text: string) => {
  const updateId = nextUpdateId++
  const command = text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.split(" ")[0]!.length }] : []
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: "private", first_name: user.first_name },
      from: { id: user.id, is_bot: false, first_name: user.first_name },
      text,
      entities: command
    }
  }
}

interface Post {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Sent in chunks without a `content-length`, as a client that streams its body does. */
  readonly chunked?: boolean
}

/** A request to `port` (status and body), through `node:http` so that any method, header and framing can be sent. */
const request = (port: number, path: string, post: Post = {}) =>
  Effect.callback<{ readonly status: number; readonly body: string }, Error>((resume) => {
    const outgoing = Http.request({ host: "127.0.0.1", port, path, method: post.method ?? "GET", headers: post.headers ?? {} }, (response) => {
      let body = ""
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")))
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body })))
    })
    outgoing.on("error", (error) => resume(Effect.fail(error)))
    if (post.body !== undefined && post.chunked === true) {
      for (let at = 0; at < post.body.length; at += 16_384) outgoing.write(post.body.slice(at, at + 16_384))
    } else if (post.body !== undefined) {
      outgoing.setHeader("content-length", Buffer.byteLength(post.body))
      outgoing.write(post.body)
    }
    outgoing.end()
  })

const json = (token: string | undefined) => ({
  "content-type": "application/json",
  ...(token === undefined ? {} : { "x-telegram-bot-api-secret-token": token })
})

layer(FakeBotApi.layer, { excludeTestServices: true, timeout: "60 seconds" })("the control plane's HTTP listeners", (it) => {
  it.effect("refuses to start in webhook mode without WEBHOOK_SECRET, in one line, before telling Telegram anything", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const { code, output } = yield* ControlProcess.refused(
        ControlProcess.singleProcessEnvironment(api, dataFolder, { WEBHOOK_URL: webhookUrl })
      )
      assert.strictEqual(code, 1, output)
      const problems = output.split("\n").filter((line) => line.startsWith("invalid configuration:"))
      assert.lengthOf(problems, 1, output)
      assert.match(problems[0]!, /^invalid configuration: WEBHOOK_SECRET: required with WEBHOOK_URL/)
      assert.isFalse((yield* api.calls).some((call) => call.method === "setWebhook"), "no webhook was registered")
    }), { timeout: 90_000 })

  it.effect("a forged update never reaches the bot; only POSTed JSON of Telegram's size with the secret does", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const since = Date.now()
      const control = yield* ControlProcess.start(
        ControlProcess.singleProcessEnvironment(api, dataFolder, {
          WEBHOOK_URL: webhookUrl,
          WEBHOOK_SECRET: secret,
          ADMIN_TELEGRAM_IDS: String(admin.id)
        })
      )
      const webhook = (update: unknown, post: Post = {}) =>
        request(control.port, "/telegram/webhook", { method: "POST", headers: json(secret), body: JSON.stringify(update), ...post })

      const setWebhook = yield* Effect.gen(function*() {
        const calls = yield* api.calls
        return calls.find((call) => call.method === "setWebhook" && call.at >= since)
      }).pipe(
        Effect.repeat({ until: (call) => call !== undefined, schedule: Schedule.spaced("100 millis") }),
        Effect.timeout("20 seconds")
      )
      assert.deepInclude(setWebhook?.params, { url: webhookUrl, secret_token: secret })
      assert.isFalse((yield* api.calls).some((call) => call.method === "getUpdates"), "no long polling in webhook mode")

      assert.strictEqual((yield* webhook(typed(seller, "/start"))).status, 200)
      yield* api.awaitMessage(seller.id, includes("Eu sou o Vigia"))

      // An admin's id in a forged update: no secret, a wrong one of the same length, a wrong one of another length.
      const forged = typed(admin, `/admin_plano ${seller.id} premium`)
      for (const token of [undefined, secret.replace("w", "x"), "short"]) {
        assert.strictEqual((yield* webhook(forged, { headers: json(token) })).status, 401, `secret ${token}`)
      }
      // With the secret, still only what Telegram sends: a POST of JSON, no larger than an update can be.
      const body = JSON.stringify(forged)
      assert.strictEqual((yield* webhook(forged, { method: "PUT" })).status, 405)
      assert.strictEqual((yield* request(control.port, "/telegram/webhook", { headers: json(secret) })).status, 405)
      assert.strictEqual((yield* webhook(forged, { headers: { ...json(secret), "content-type": "text/plain" } })).status, 415)
      assert.strictEqual((yield* webhook(forged, { headers: { "x-telegram-bot-api-secret-token": secret }, body })).status, 415)
      const padded = { ...forged, message: { ...forged.message, padding: "x".repeat(300 * 1024) } }
      assert.strictEqual((yield* webhook(padded)).status, 413)
      assert.strictEqual((yield* webhook(padded, { chunked: true })).status, 413)
      assert.strictEqual((yield* webhook(forged, { body: "{\"update_id\": " })).status, 400)

      // The admin's own updates run in order: once this genuine one is answered, none of the above ran.
      assert.strictEqual((yield* webhook(typed(admin, "/admin_sessoes"))).status, 200)
      yield* api.awaitMessage(admin.id, includes("Nenhuma sessão"))
      assert.isFalse((yield* api.messagesIn(admin.id)).some(includes("concedido")), "a forged /admin_plano ran")
      assert.isFalse((yield* api.messagesIn(seller.id)).some(includes("Seu plano agora é")), "a forged /admin_plano ran")
      yield* webhook(typed(admin, `/admin_plano ${seller.id} basic`))
      yield* api.awaitMessage(admin.id, includes("Plano Básico concedido"))

      // Only the webhook faces the internet: health and metrics are on the operator's listener alone.
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        assert.strictEqual((yield* request(control.port, path)).status, 404, path)
      }
      assert.strictEqual((yield* request(control.metricsPort, "/telegram/webhook", { method: "POST", headers: json(secret), body })).status, 404)
      assert.deepStrictEqual(yield* request(control.metricsPort, "/healthz"), { status: 200, body: "ok\n" })
      assert.deepStrictEqual(yield* request(control.metricsPort, "/readyz"), { status: 200, body: "postgresql: ok\ntelegram: ok\n" })
      const metrics = (yield* request(control.metricsPort, "/metrics")).body
      assert.include(metrics, "vigia_sessions")
      for (const [reason, times] of [["secret", 3], ["method", 2], ["content-type", 2], ["size", 2], ["body", 1]] as const) {
        assert.match(metrics, new RegExp(`vigia_webhook_refused_total\\{reason="${reason}"\\} ${times}\\b`), reason)
      }
    }), { timeout: 120_000 })

  it.effect("in polling mode nothing listens on HTTP_PORT, and /readyz says failing without the error's text", () =>
    Effect.gen(function*() {
      const unreachable = yield* freePort
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const control = yield* ControlProcess.start({
        ...ControlProcess.singleProcessEnvironment({ token: "7000000001:unreachable", apiRoot: `http://127.0.0.1:${unreachable}` }, dataFolder)
      })
      const closed = yield* Effect.flip(request(control.port, "/healthz"))
      assert.include(closed.message, "ECONNREFUSED")
      assert.deepStrictEqual(yield* request(control.metricsPort, "/readyz"), { status: 503, body: "postgresql: ok\ntelegram: failing\n" })
      // The detail is the operator's, in the log.
      yield* Effect.sync(() => control.output()).pipe(
        Effect.repeat({ until: (output) => output.includes("not connected to Telegram yet"), schedule: Schedule.spaced("100 millis") }),
        Effect.timeout("10 seconds")
      )
    }), { timeout: 90_000 })
})
