import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Bot, InlineKeyboard } from "grammy"
import { FakeBotApi } from "./FakeBotApi.ts"

const seller = { id: 5_000_000_001, first_name: "Ana" }

layer(FakeBotApi.layer, { excludeTestServices: true })("FakeBotApi with a real grammY bot", (it) => {
  it.effect("delivers a user's command and records the bot's reply, its edit and its buttons", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      bot.command("start", async (ctx) => {
        const sent = await ctx.reply("Olá!", { reply_markup: new InlineKeyboard().text("Grupos", "groups") })
        await ctx.api.editMessageText(ctx.chat.id, sent.message_id, "Olá, Ana!", { reply_markup: new InlineKeyboard().text("Grupos", "groups") })
      })
      bot.callbackQuery("groups", (ctx) => ctx.answerCallbackQuery().then(() => ctx.reply("Seus grupos")))
      yield* Effect.promise(() => bot.init())
      void bot.start({ timeout: 1 })

      yield* api.sendText(seller, "/start")
      const greeting = yield* api.awaitMessage(seller.id, (message) => message.text === "Olá, Ana!")
      assert.isTrue(greeting.edited)
      assert.deepStrictEqual(greeting.reply_markup, { inline_keyboard: [[{ text: "Grupos", callback_data: "groups" }]] })

      yield* api.pressButton(seller, greeting.message_id, "groups")
      yield* api.awaitMessage(seller.id, (message) => message.text === "Seus grupos")
      const methods = (yield* api.calls).map((call) => call.method)
      assert.includeMembers(methods, ["getMe", "deleteWebhook", "getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery"])
      yield* Effect.promise(() => bot.stop())
    }))

  it.effect("serves a document the user sent through getFile and the file endpoint", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      bot.on("message:document", async (ctx) => {
        const file = await ctx.getFile()
        const response = await fetch(`${api.apiRoot}/file/bot${api.token}/${file.file_path}`)
        await ctx.reply(`recebi: ${await response.text()}`)
      })
      yield* Effect.promise(() => bot.init())
      void bot.start({ timeout: 1 })
      yield* api.sendDocument(seller, "tabela.csv", "nome;preco\nCoca;9,50")
      yield* api.awaitMessage(seller.id, (message) => message.text === "recebi: nome;preco\nCoca;9,50")
      yield* Effect.promise(() => bot.stop())
    }))

  it.effect("answers Telegram's 429 with retry_after when told to, and grammY sees the error", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      yield* api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 })
      const error = yield* Effect.flip(Effect.tryPromise(() => bot.api.sendMessage(seller.id, "oi")))
      assert.include(String(error.cause), "429")
      const sent = yield* Effect.promise(() => bot.api.sendMessage(seller.id, "oi de novo"))
      assert.strictEqual(sent.text, "oi de novo")
    }))

  it.effect("delivers only the update types the bot asked for, as Telegram does", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      yield* Effect.promise(() => bot.api.sendInvoice(seller.id, "Plano", "30 dias", "p-1", "XTR", [{ label: "Plano", amount: 5 }]))
      const invoice = (yield* api.messagesIn(seller.id)).find((message) => message.invoice !== undefined)
      assert.isDefined(invoice)
      yield* Effect.promise(() => bot.api.getUpdates({ timeout: 0, allowed_updates: ["message", "callback_query"] }))
      const unanswered = yield* api.pay(seller, invoice?.message_id ?? 0).pipe(Effect.forkChild)
      const delivered = yield* Effect.promise(() => bot.api.getUpdates({ timeout: 1 }))
      assert.isFalse(delivered.some((update) => update.pre_checkout_query !== undefined), "a pre-checkout query the bot did not ask for")
      assert.deepStrictEqual(yield* Fiber.join(unanswered), { _tag: "Unanswered" })
    }), { timeout: 20_000 })

  it.effect("runs a Stars payment: invoice, pre-checkout answered, successful payment, refund once", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      bot.on("pre_checkout_query", (ctx) =>
        ctx.preCheckoutQuery.total_amount === 50 ? ctx.answerPreCheckoutQuery(true) : ctx.answerPreCheckoutQuery(false, "valor errado"))
      bot.on("message:successful_payment", (ctx) => ctx.reply(`pago: ${ctx.message.successful_payment.telegram_payment_charge_id}`))
      yield* Effect.promise(() => bot.init())
      void bot.start({ timeout: 1, allowed_updates: ["message", "pre_checkout_query"] })
      const refused = yield* Effect.flip(Effect.tryPromise(() => bot.api.sendInvoice(seller.id, "Plano", "30 dias", "p-2", "XTR", [
        { label: "a", amount: 25 },
        { label: "b", amount: 25 }
      ])))
      assert.include(String(refused.cause), "STARS_INVOICE_INVALID")
      const sent = yield* Effect.promise(() => bot.api.sendInvoice(seller.id, "Plano", "30 dias", "p-2", "XTR", [{ label: "Plano", amount: 50 }]))
      assert.deepStrictEqual(sent.invoice.total_amount, 50)

      assert.deepStrictEqual(yield* api.pay(seller, sent.message_id, { totalAmount: 40 }), { _tag: "Refused", errorMessage: "valor errado" })
      const paid = yield* api.pay(seller, sent.message_id)
      assert.strictEqual(paid._tag, "Paid")
      const chargeId = paid._tag === "Paid" ? paid.chargeId : ""
      yield* api.awaitMessage(seller.id, (message) => message.text === `pago: ${chargeId}`)

      yield* Effect.promise(() => bot.api.refundStarPayment(seller.id, chargeId))
      assert.isTrue(yield* api.isRefunded(chargeId))
      const again = yield* Effect.flip(Effect.tryPromise(() => bot.api.refundStarPayment(seller.id, chargeId)))
      assert.include(String(again.cause), "CHARGE_ALREADY_REFUNDED")
      const unknown = yield* Effect.flip(Effect.tryPromise(() => bot.api.refundStarPayment(seller.id, "stxNOPE")))
      assert.include(String(unknown.cause), "CHARGE_NOT_FOUND")
      yield* Effect.promise(() => bot.stop())
    }), { timeout: 30_000 })
})