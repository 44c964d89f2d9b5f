import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "../support/FakeBotApi.ts"
import { exchange, includes, lastMessageId, newerThan } from "../support/SellerScript.ts"

// A seller whose plan lapses in the middle of a step: every message and button after that passes the guard,
// not only commands. The periodic plan check is set far apart, so only the guard acts here.
const admin: FakeUser = { id: 9_400_000_001, first_name: "Admin" }
const eva: FakeUser = { id: 9_400_000_002, first_name: "Eva" }
const fabio: FakeUser = { id: 9_400_000_003, first_name: "Fábio" }
const refused = includes("Seu plano Gratuito não permite")

const either = (...predicates: ReadonlyArray<(message: BotMessage) => boolean>) => (message: BotMessage) =>
  predicates.some((predicate) => predicate(message))

layer(FakeBotApi.layer, { excludeTestServices: true, timeout: "60 seconds" })("the subscription guard", (it) => {
  it.effect("refuses a lapsed seller's login steps, keypad presses and price table; chatter, /plano and /cancelar still answer", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const dataFolder = yield* ControlProcess.singleProcessFolder
      yield* ControlProcess.start(
        ControlProcess.singleProcessEnvironment(api, dataFolder, { ADMIN_TELEGRAM_IDS: String(admin.id), PLAN_CHECK_INTERVAL: "1 hour" })
      )
      for (const seller of [eva, fabio]) {
        yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
        yield* exchange(admin, `/admin_plano ${seller.id} basic`, includes("Plano Básico concedido"))
      }
      yield* exchange(eva, "/tabela nova", includes("Envie a nova tabela"))
      yield* exchange(fabio, "/login", includes("número de telefone"))
      const keypad = yield* exchange(fabio, "+55 21 98888-7777", includes("Digite o código"), "60 seconds")

      for (const seller of [eva, fabio]) {
        yield* exchange(admin, `/admin_plano ${seller.id} free`, includes("Plano Gratuito concedido"))
      }

      const table = yield* exchange(eva, "Marmita = 22,00", either(refused, includes("Troco a sua tabela")))
      assert.include(table.text, "Seu plano Gratuito não permite", "a lapsed seller replaced their price table")

      const beforePress = yield* lastMessageId(api, fabio.id)
      yield* api.pressButton(fabio, keypad.message_id, "kp:1")
      const press = yield* api.awaitMessage(
        fabio.id,
        either(newerThan(beforePress)(refused), (message) => message.message_id === keypad.message_id && message.text.includes("Código: 1"))
      )
      assert.notStrictEqual(press.message_id, keypad.message_id, "a lapsed seller typed on the login keypad")

      const beforeCode = yield* lastMessageId(api, fabio.id)
      const codeMessage = yield* api.sendText(fabio, "1 2 3 4 5")
      const code = yield* api.awaitMessage(fabio.id, newerThan(beforeCode)(either(refused, includes("Conta conectada"), includes("Seus grupos"))))
      assert.include(code.text, "Seu plano Gratuito não permite", "a lapsed seller finished a login")
      assert.isTrue(yield* api.wasDeleted(fabio.id, codeMessage), "a refused login code stays in the chat")

      // A refused answer left its step: what the sellers say next is chatter, which still gets its hint.
      yield* exchange(eva, "oi", includes("Eu não converso por aqui"))
      yield* exchange(fabio, "oi", includes("Eu não converso por aqui"))
      yield* exchange(eva, "/plano", includes("Seu plano: Gratuito"))
      yield* exchange(fabio, "/cancelar", includes("Não há nada em andamento para cancelar"))
      yield* exchange(fabio, "/status", refused)
    }), { timeout: 180_000 })
})
