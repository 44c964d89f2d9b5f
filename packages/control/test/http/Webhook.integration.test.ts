import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { includes } from "../support/SellerScript.ts"

const seller: FakeUser = { id: 9_300_000_001, first_name: "Dora" }
const webhookUrl = "https://vigia.example.com/telegram/webhook"
const secret = "webhook-secret-for-tests"

const startUpdate = (updateId: number) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: seller.id, type: "private", first_name: seller.first_name },
    from: { id: seller.id, is_bot: false, first_name: seller.first_name },
    text: "/start",
    entities: [{ type: "bot_command", offset: 0, length: 6 }]
  }
})

layer(FakeBotApi.layer, { excludeTestServices: true, timeout: "60 seconds" })("the bot behind a webhook", (it) => {
  it.effect("registers its webhook with the secret, answers updates posted to it, refuses a wrong secret", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      const control = yield* ControlProcess.start(
        ControlProcess.singleProcessEnvironment(api, dataFolder, { WEBHOOK_URL: webhookUrl, WEBHOOK_SECRET: secret })
      )
      const post = (update: unknown, token: string) =>
        Effect.promise(() =>
          fetch(`http://127.0.0.1:${control.port}/telegram/webhook`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": token },
            body: JSON.stringify(update)
          })
        )

      const setWebhook = yield* Effect.gen(function*() {
        const calls = yield* api.calls
        return calls.find((call) => call.method === "setWebhook")
      }).pipe(
        Effect.repeat({ until: (call) => call !== undefined, schedule: Schedule.spaced("100 millis") }),
        Effect.timeout("20 seconds")
      )
      assert.deepInclude(setWebhook?.params, { url: webhookUrl, secret_token: secret })
      assert.isFalse((yield* api.calls).some((call) => call.method === "getUpdates"), "no long polling in webhook mode")

      const refused = yield* post(startUpdate(1), "wrong")
      assert.strictEqual(refused.status, 401)
      const accepted = yield* post(startUpdate(2), secret)
      assert.strictEqual(accepted.status, 200)
      yield* api.awaitMessage(seller.id, includes("Eu sou o Vigia"))
      assert.lengthOf((yield* api.messagesIn(seller.id)).filter(includes("Eu sou o Vigia")), 1)
    }),
    { timeout: 120_000 })
})
