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

  it.effect("refuses what Telegram refuses: a text over 4,096 characters, sent or edited, and callback data over 64 bytes", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      const refusal = <A>(call: () => Promise<A>) => Effect.map(Effect.flip(Effect.tryPromise(call)), (error) => String(error.cause))
      assert.include(yield* refusal(() => bot.api.sendMessage(seller.id, "x".repeat(4097))), "message is too long")
      const sent = yield* Effect.promise(() => bot.api.sendMessage(seller.id, "curta"))
      assert.include(yield* refusal(() => bot.api.editMessageText(seller.id, sent.message_id, "x".repeat(4097))), "message is too long")
      const wide = new InlineKeyboard().text("botão", "é".repeat(33))
      assert.include(yield* refusal(() => bot.api.sendMessage(seller.id, "oi", { reply_markup: wide })), "BUTTON_DATA_INVALID")
      assert.include(
        yield* refusal(() => bot.api.editMessageText(seller.id, sent.message_id, "oi", { reply_markup: wide })),
        "BUTTON_DATA_INVALID"
      )
      yield* Effect.promise(() => bot.api.sendMessage(seller.id, "oi", { reply_markup: new InlineKeyboard().text("botão", "x".repeat(64)) }))
    }))

  it.effect("opt-in modes: an answer in another shape, a method failing for a while, polling without waiting", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const call = (method: string, body: Record<string, unknown> = {}) =>
        Effect.promise(async () => {
          const started = Date.now()
          const response = await fetch(`${api.apiRoot}/bot${api.token}/${method}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          })
          return { status: response.status, body: (await response.json()) as unknown, took: Date.now() - started }
        })

      const unsupported = { message: "API method 'setMyCommands' is not supported." }
      yield* api.answerRaw("setMyCommands", { status: 500, body: unsupported, times: 1 })
      assert.deepInclude(yield* call("setMyCommands", { commands: [] }), { status: 500, body: unsupported })
      assert.deepInclude(yield* call("setMyCommands", { commands: [] }), { status: 200, body: { ok: true, result: true } })

      yield* api.failFor("getMe", "300 millis", { error_code: 502, description: "Bad Gateway" })
      assert.strictEqual((yield* call("getMe")).status, 502)
      assert.strictEqual((yield* call("getMe")).status, 502)
      yield* Effect.sleep("350 millis")
      assert.strictEqual((yield* call("getMe")).status, 200)

      const polled = yield* call("getUpdates", { timeout: 2 })
      assert.isAtLeast(polled.took, 1_900, "the fake long-polls by default")
      yield* api.ignorePollTimeout
      const atOnce = yield* call("getUpdates", { timeout: 2 })
      assert.deepStrictEqual(atOnce.body, { ok: true, result: [] })
      assert.isBelow(atOnce.took, 1_000)
    }), { timeout: 20_000 })

  it.effect("a user who answers at once: the answer is queued before the bot's call returns, which then waits", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } })
      const heard: Array<string> = []
      bot.command("codigo", async (ctx) => {
        const started = Date.now()
        await ctx.reply("Digite o código")
        heard.push(`sent after ${Date.now() - started} ms`)
      })
      bot.on("message:text", (ctx) => void heard.push(`answer: ${ctx.message.text}`))
      yield* Effect.promise(() => bot.init())
      yield* api.answerAtOnce(
        seller.id,
        (message) => message.text === "Digite o código",
        () => Effect.sync(() => heard.push("answered")).pipe(Effect.andThen(api.sendText(seller, "1 2 3 4 5"))),
        "200 millis"
      )
      // One update at a time, as grammY's own loop: the answer is handled once the prompt's handler returns.
      void bot.start({ timeout: 1 })

      yield* api.sendText(seller, "/codigo")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1_000)))
      assert.strictEqual(heard.length, 3, heard.join("; "))
      assert.strictEqual(heard[0], "answered", "the user answered before the bot's call returned")
      assert.match(heard[1]!, /^sent after ([2-9][0-9]{2}|[0-9]{4,}) ms$/, "the bot's call waited the latency")
      assert.strictEqual(heard[2], "answer: 1 2 3 4 5")
      yield* Effect.promise(() => bot.stop())
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
