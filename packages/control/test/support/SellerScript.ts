/**
 * A seller's side of an end-to-end test: says things to the bot through the fake Bot API and
 * waits for the answer, and has customers write in the seller's groups through the fake TDLib.
 */
import { type Duration, Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type BotMessage, FakeBotApi, type FakeUser } from "./FakeBotApi.ts"

/** The bot's messages after a point, so a test waits for the answer to what it just did. */
export const newerThan = (id: number) => (predicate: (message: BotMessage) => boolean) => (message: BotMessage) =>
  message.message_id > id && predicate(message)

export const includes = (text: string) => (message: BotMessage) => message.text.includes(text)

export const lastMessageId = (api: FakeBotApi["Service"], chatId: number) =>
  Effect.map(api.messagesIn(chatId), (messages) => messages.reduce((max, message) => Math.max(max, message.message_id), 0))

/** The user says something and waits for the bot's answer that matches. */
export const exchange = (
  user: FakeUser,
  text: string,
  expected: (message: BotMessage) => boolean,
  timeout: Duration.Input = "20 seconds"
) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    const before = yield* lastMessageId(api, user.id)
    yield* api.sendText(user, text)
    return yield* api.awaitMessage(user.id, newerThan(before)(expected), timeout)
  })

/** The seller meets the bot and `admin` grants them the basic plan (which allows connecting an account). */
export const onBasicPlan = (admin: FakeUser, seller: FakeUser) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
    yield* exchange(admin, `/admin_plano ${seller.id} basic`, includes("Plano Básico concedido"))
    yield* api.awaitMessage(seller.id, includes("Seu plano agora é Básico"))
  })

/** `/login` through to the connected account, the phone number `typed`, the code typed as Telegram asks. */
export const connect = (seller: FakeUser, typed: string) =>
  Effect.gen(function*() {
    yield* exchange(seller, "/login", includes("número de telefone"))
    yield* exchange(seller, typed, includes("Digite o código"), "90 seconds")
    yield* exchange(seller, "1 2 3 4 5", includes("Conta conectada"))
  })

/**
 * A customer writes in one of the seller's groups, through the fake TDLib's side channel; `accountFolder`
 * is the worker's `DATA_DIR`, where it wrote the side channel's port.
 */
export const customerWrites = (accountFolder: string, phone: string, chatId: number, text: string) =>
  Effect.tryPromise(async () => {
    const port = Fs.readFileSync(Path.join(accountFolder, phone, "fake-tdl.port"), "utf8").trim()
    const response = await fetch(`http://127.0.0.1:${port}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chatId, text, senderUserId: 700000002 })
    })
    return (await response.json()) as { readonly messageId: number }
  })

/** The inline button of `message` whose text includes `label` (the test fails when there is none): its callback data. */
export const buttonData = (message: BotMessage, label: string): string => {
  const rows = (message.reply_markup as { readonly inline_keyboard?: ReadonlyArray<ReadonlyArray<{ text: string; callback_data?: string }>> })
    ?.inline_keyboard ?? []
  const found = rows.flat().find((button) => button.text.includes(label))
  if (found?.callback_data === undefined) throw new Error(`no button “${label}” under: ${message.text}`)
  return found.callback_data
}

/** The user presses the button labelled `label` under `message` and waits for the bot's answer that matches. */
export const press = (
  user: FakeUser,
  message: BotMessage,
  label: string,
  expected: (message: BotMessage) => boolean,
  timeout: Duration.Input = "20 seconds"
) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    const data = buttonData(message, label)
    const before = yield* lastMessageId(api, user.id)
    yield* api.pressButton(user, message.message_id, data)
    return yield* api.awaitMessage(
      user.id,
      (candidate) => (candidate.message_id > before || (candidate.message_id === message.message_id && candidate.edited)) && expected(candidate),
      timeout
    )
  })

/** `/tabela nova`, the table as text, and the confirmation button under the preview: the table is replaced. */
export const replaceTable = (user: FakeUser, table: string) =>
  Effect.gen(function*() {
    yield* exchange(user, "/tabela nova", includes("Envie a nova tabela"))
    const preview = yield* exchange(user, table, includes("Troco a sua tabela por esta?"))
    return yield* press(user, preview, "Trocar a tabela", includes("Tabela atualizada"))
  })
