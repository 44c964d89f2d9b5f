import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Fiber, Layer, Option, Schema, Stream } from "effect"
import * as Fs from "node:fs"
import { defaultScript, portFile, TdlFake } from "../../../src/tdlib/fake/TdlFake.ts"
import * as TdApi from "../../../src/tdlib/TdApi.ts"
import { Tdl } from "../../../src/tdlib/Tdl.ts"
import type { TdlError } from "../../../src/tdlib/TdlError.ts"
import { accountFolder } from "../../../src/WorkerConfig.ts"
import { fakeTdl, makeDataDir, testConfig, TestConfig } from "../../TestConfig.ts"

const fakeLayer = (script?: string) =>
  Layer.unwrap(TestConfig.use((config) => Effect.succeed(fakeTdl(config, Option.fromUndefinedOr(script))))).pipe(
    Layer.provideMerge(TestConfig.layer()),
    Layer.provide(NodeFileSystem.layer)
  )

const withPassword = JSON.stringify({ password: "senha-secreta" })

/** The next allowlisted update that matches, waiting at most two seconds. */
const nextUpdate = <A extends TdApi.Update>(refinement: (update: TdApi.Update) => update is A) =>
  Effect.gen(function*() {
    const tdl = yield* Tdl
    const found = yield* tdl.updates.pipe(Stream.filter(refinement), Stream.runHead, Effect.timeout("2 seconds"))
    return Option.getOrThrow(found)
  })

const authorizationUpdate = (state: TdApi.AuthorizationState["_"]) =>
  nextUpdate((update): update is typeof TdApi.UpdateAuthorizationState.Type =>
    update._ === "updateAuthorizationState" && update.authorization_state._ === state
  )

/** TDLib's error for a request, or a failed assertion when it succeeded. */
const tdlibFailure = <A>(effect: Effect.Effect<A, TdlError>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))

const login = Effect.gen(function*() {
  const tdl = yield* Tdl
  const config = yield* TestConfig
  yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${config.phone}` })
  yield* tdl.invoke({ _: "checkAuthenticationCode", code: "12345" })
  yield* authorizationUpdate("authorizationStateReady")
})

/** The account's own number given to TDLib; the client, to go on with. */
const numberGiven = Effect.gen(function*() {
  const tdl = yield* Tdl
  const config = yield* TestConfig
  yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${config.phone}` })
  return { tdl, phone: config.phone }
})

describe("TdlFake", () => {
  it.live("opens like TDLib: parameters, then waiting for the phone number, connection updates", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      assert.strictEqual((yield* tdl.authorizationState)._, "authorizationStateWaitPhoneNumber")
      const first = yield* tdl.updates.pipe(Stream.take(4), Stream.runCollect)
      assert.deepStrictEqual(first.map((update) => update._), [
        "updateAuthorizationState",
        "updateAuthorizationState",
        "updateConnectionState",
        "updateConnectionState"
      ])
      assert.deepStrictEqual(
        first.map((update) =>
          update._ === "updateAuthorizationState" ? update.authorization_state._ : update._ === "updateConnectionState" ? update.state._ : ""
        ),
        [
          "authorizationStateWaitTdlibParameters",
          "authorizationStateWaitPhoneNumber",
          "connectionStateConnecting",
          "connectionStateReady"
        ]
      )
    }).pipe(Effect.provide(fakeLayer())))

  it.live("answers requests out of turn with TDLib's errors", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const code = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "12345" }))
      assert.deepInclude(code, { _tag: "TdlibFailure", code: 400, message: "Call to checkAuthenticationCode unexpected" })
      const me = yield* tdlibFailure(tdl.invoke({ _: "getMe" }))
      assert.deepInclude(me, { _tag: "TdlibFailure", code: 401, message: "Unauthorized" })
      const phone = yield* tdlibFailure(tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: "+1 555 0100" }))
      assert.deepInclude(phone, { _tag: "TdlibFailure", code: 400, message: "PHONE_NUMBER_INVALID" })
    }).pipe(Effect.provide(fakeLayer())))

  it.live("logs in through code and 2FA password, wrong tries answered as Telegram does", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const config = yield* TestConfig
      yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${config.phone}` })
      const waitCode = yield* authorizationUpdate("authorizationStateWaitCode")
      assert.deepInclude(waitCode.authorization_state, { _: "authorizationStateWaitCode" })
      if (waitCode.authorization_state._ === "authorizationStateWaitCode") {
        assert.strictEqual(waitCode.authorization_state.code_info.phone_number, `+${config.phone}`)
        assert.deepStrictEqual(waitCode.authorization_state.code_info.type, {
          _: "authenticationCodeTypeTelegramMessage",
          length: 5
        })
      }
      const wrongCode = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "54321" }))
      assert.deepInclude(wrongCode, { code: 400, message: "PHONE_CODE_INVALID" })
      yield* tdl.invoke({ _: "checkAuthenticationCode", code: "12345" })
      const waitPassword = yield* authorizationUpdate("authorizationStateWaitPassword")
      assert.deepInclude(waitPassword.authorization_state, { password_hint: defaultScript.passwordHint })
      const wrongPassword = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationPassword", password: "senha" }))
      assert.deepInclude(wrongPassword, { code: 400, message: "PASSWORD_HASH_INVALID" })
      yield* tdl.invoke({ _: "checkAuthenticationPassword", password: "senha-secreta" })
      yield* authorizationUpdate("authorizationStateReady")
      const me = yield* tdl.invoke({ _: "getMe" })
      assert.deepStrictEqual([me.id, me.first_name, me.phone_number], [defaultScript.me.id, "Ana", config.phone])
    }).pipe(Effect.provide(fakeLayer(withPassword))))

  it.live("too many wrong codes: 429 retry-after, even for the right code", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const config = yield* TestConfig
      yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: config.phone })
      const first = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "11111" }))
      assert.deepInclude(first, { code: 400, message: "PHONE_CODE_INVALID" })
      const second = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "22222" }))
      assert.deepInclude(second, { code: 429, message: "Too Many Requests: retry after 30" })
      const right = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "12345" }))
      assert.strictEqual(right._tag === "TdlibFailure" ? right.code : 0, 429)
    }).pipe(Effect.provide(fakeLayer(JSON.stringify({ maxAttempts: 2, floodWaitSeconds: 30 })))))

  it.live("without network an authorization request never answers; the next one cancels it", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const fake = yield* TdlFake
      const config = yield* TestConfig
      yield* fake.setConnectionState("connectionStateWaitingForNetwork")
      const timedOut = yield* tdlibFailure(
        tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: config.phone }, { timeout: "200 millis" })
      )
      assert.deepInclude(timedOut, { _tag: "TdlTimeout", request: "setAuthenticationPhoneNumber" })
      const first = yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: config.phone }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* Effect.sleep("50 millis")
      const second = yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: config.phone }).pipe(
        Effect.forkChild
      )
      const cancelled = yield* Fiber.join(first)
      assert.deepInclude(cancelled.reason, { code: 400, message: "Another authorization query has started" })
      yield* fake.setConnectionState("connectionStateReady")
      yield* Fiber.join(second)
      yield* authorizationUpdate("authorizationStateWaitCode")
    }).pipe(Effect.provide(fakeLayer())))

  it.live("lets injected messages through as updateNewMessage and keeps its noise inside", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const fake = yield* TdlFake
      const refused = yield* Effect.flip(fake.injectMessage({ chatId: -4001001001, text: "cedo demais" }))
      assert.strictEqual(refused.message, "the account is not logged in")
      yield* login
      const id = yield* fake.injectMessage({ chatId: -4001001001, text: "2x coca 2L" })
      yield* fake.injectMessage({ chatId: -1002001001001, caption: "1 pão de queijo" })
      yield* fake.injectMessage({ chatId: -4001001001 })
      const messages = yield* tdl.updates.pipe(
        Stream.filter((update) => update._ === "updateNewMessage"),
        Stream.take(3),
        Stream.runCollect,
        Effect.timeout("2 seconds")
      )
      const read = messages.map((update) =>
        update._ === "updateNewMessage" ? [update.message.chat_id, TdApi.wordsOf(update.message.content)] : []
      )
      assert.deepStrictEqual(read, [[-4001001001, "2x coca 2L"], [-1002001001001, "1 pão de queijo"], [-4001001001, ""]])
      assert.strictEqual(messages[0]?._ === "updateNewMessage" ? messages[0].message.id : 0, id)
      const unknown = yield* Effect.flip(fake.injectMessage({ chatId: 42, text: "?" }))
      assert.strictEqual(unknown.message, "the account has no chat 42")
    }).pipe(Effect.provide(fakeLayer())))

  it.live("edits a message as TDLib announces it: its new content, then the edit; getMessage answers the edited message", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const fake = yield* TdlFake
      const refused = yield* Effect.flip(fake.editMessage({ chatId: -4001001001, messageId: 1, text: "cedo demais" }))
      assert.strictEqual(refused.message, "the account is not logged in")
      yield* login
      const id = yield* fake.injectMessage({ chatId: -4001001001, text: "2x coca 2L", date: 1_750_000_000 })

      const editDate = yield* fake.editMessage({ chatId: -4001001001, messageId: id, text: "3x coca 2L", date: 1_750_000_000 })
      const content = yield* nextUpdate((u): u is typeof TdApi.UpdateMessageContent.Type => u._ === "updateMessageContent")

      assert.deepStrictEqual([content.chat_id, content.message_id, TdApi.wordsOf(content.new_content)], [-4001001001, id, "3x coca 2L"])
      const message = yield* tdl.invoke({ _: "getMessage", chat_id: -4001001001, message_id: id })
      assert.deepInclude(message, { id, chat_id: -4001001001, is_outgoing: false, date: 1_750_000_000, edit_date: editDate })
      assert.deepStrictEqual(message.sender_id, { _: "messageSenderUser", user_id: 700000002 })
      const unknown = yield* tdlibFailure(tdl.invoke({ _: "getMessage", chat_id: -4001001001, message_id: id + 2 ** 20 }))
      assert.deepInclude(unknown, { code: 404, message: "Not Found" })
      const elsewhere = yield* Effect.flip(fake.editMessage({ chatId: 42, messageId: id, text: "?" }))
      assert.strictEqual(elsewhere.message, "the account has no chat 42")
    }).pipe(Effect.provide(fakeLayer())))

  it.live("lists chats, sends messages where it may, refuses channels", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const fake = yield* TdlFake
      yield* login
      const chats = yield* tdl.invoke({ _: "getChats", chat_list: { _: "chatListMain" }, limit: 100 })
      assert.deepStrictEqual(chats.chat_ids, defaultScript.chats.map((chat) => chat.id))
      const loaded = yield* tdlibFailure(tdl.invoke({ _: "loadChats", chat_list: { _: "chatListMain" }, limit: 100 }))
      assert.deepInclude(loaded, { code: 404, message: "Not Found" })
      const channel = yield* tdl.invoke({ _: "getChat", chat_id: -1002001001002 })
      assert.deepStrictEqual(channel.type, { _: "chatTypeSupergroup", supergroup_id: 2001001002, is_channel: true })
      const missing = yield* tdlibFailure(tdl.invoke({ _: "getChat", chat_id: 1 }))
      assert.deepInclude(missing, { code: 400, message: "Chat not found" })
      const sent = yield* tdl.invoke({
        _: "sendMessage",
        chat_id: -4001001001,
        input_message_content: { _: "inputMessageText", text: { _: "formattedText", text: "Total: R$ 19,90" } }
      })
      assert.isTrue(sent.is_outgoing)
      const refused = yield* tdlibFailure(tdl.invoke({
        _: "sendMessage",
        chat_id: -1002001001002,
        input_message_content: { _: "inputMessageText", text: { _: "formattedText", text: "oi" } }
      }))
      assert.deepInclude(refused, { code: 400, message: "Have no rights to send a message" })
      const record = yield* fake.sentMessages
      assert.deepStrictEqual(record.map((message) => [message.chatId, message.text]), [[-4001001001, "Total: R$ 19,90"]])
    }).pipe(Effect.provide(fakeLayer())))

  it.live("keeps the authorization across a restart, and logging out forgets it", () =>
    Effect.gen(function*() {
      const config = testConfig(makeDataDir())
      const layer = fakeTdl(config).pipe(Layer.provide(NodeFileSystem.layer))
      yield* login.pipe(Effect.provide(layer), Effect.provideService(TestConfig, config))
      const restarted = yield* Effect.gen(function*() {
        const tdl = yield* Tdl
        const state = (yield* tdl.authorizationState)._
        yield* tdl.invoke({ _: "logOut" })
        yield* tdl.closed
        const after = yield* tdlibFailure(tdl.invoke({ _: "getMe" }))
        return { state, after }
      }).pipe(Effect.provide(layer))
      assert.strictEqual(restarted.state, "authorizationStateReady")
      assert.deepInclude(restarted.after, { _tag: "TdlClosed", request: "getMe" })
      const third = yield* Effect.gen(function*() {
        const tdl = yield* Tdl
        return (yield* tdl.authorizationState)._
      }).pipe(Effect.provide(layer))
      assert.strictEqual(third, "authorizationStateWaitPhoneNumber")
      Fs.rmSync(config.dataDir, { recursive: true, force: true })
    }))

  it.live("can be driven from outside through its loopback side channel", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const fake = yield* TdlFake
      const config = yield* TestConfig
      const port = Number(Fs.readFileSync(portFile(accountFolder(config)), "utf8"))
      assert.strictEqual(port, fake.sideChannelPort)
      const call = (method: string, path: string, body?: unknown) =>
        Effect.promise(async () => {
          const response = await fetch(`http://127.0.0.1:${port}${path}`, {
            method,
            ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
          })
          return { status: response.status, body: await response.json() as unknown }
        })
      const early = yield* call("POST", "/messages", { chatId: -4001001001, text: "oi" })
      assert.strictEqual(early.status, 409)
      yield* login
      const injected = yield* call("POST", "/messages", { chatId: -4001001001, text: "3 coxinhas" })
      assert.strictEqual(injected.status, 200)
      const update = yield* nextUpdate((u): u is typeof TdApi.UpdateNewMessage.Type => u._ === "updateNewMessage")
      assert.strictEqual(TdApi.wordsOf(update.message.content), "3 coxinhas")
      const bad = yield* call("POST", "/messages", { chatId: "x" })
      assert.strictEqual(bad.status, 400)
      const messageId = (injected.body as { readonly messageId: number }).messageId
      const edited = yield* call("POST", "/messages/edit", { chatId: -4001001001, messageId, text: "4 coxinhas" })
      assert.strictEqual(edited.status, 200)
      assert.isNumber((edited.body as { readonly editDate: number }).editDate)
      const content = yield* nextUpdate((u): u is typeof TdApi.UpdateMessageContent.Type => u._ === "updateMessageContent")
      assert.strictEqual(TdApi.wordsOf(content.new_content), "4 coxinhas")
      const offline = yield* call("POST", "/connection", { state: "connectionStateWaitingForNetwork" })
      assert.strictEqual(offline.status, 200)
      const connection = yield* nextUpdate((u): u is typeof TdApi.UpdateConnectionState.Type =>
        u._ === "updateConnectionState"
      )
      assert.strictEqual(connection.state._, "connectionStateWaitingForNetwork")
      const state = yield* call("GET", "/state")
      assert.deepStrictEqual(state.body, {
        authorizationState: "authorizationStateReady",
        connectionState: "connectionStateWaitingForNetwork"
      })
      yield* tdl.invoke({
        _: "sendMessage",
        chat_id: 700000002,
        input_message_content: { _: "inputMessageText", text: { _: "formattedText", text: "Pedido anotado" } }
      })
      const sent = yield* call("GET", "/sent")
      assert.deepInclude((sent.body as Array<object>)[0], { chatId: 700000002, text: "Pedido anotado" })
    }).pipe(Effect.provide(fakeLayer())))

  it.live("sends the code to the account's e-mail: TDLib's e-mail code state and errors, then the 2FA password", () =>
    Effect.gen(function*() {
      const { tdl } = yield* numberGiven
      const waiting = yield* authorizationUpdate("authorizationStateWaitEmailCode")
      assert.deepInclude(waiting.authorization_state, {
        code_info: { _: "emailAddressAuthenticationCodeInfo", email_address_pattern: "a***@gmail.com", length: 6 }
      })
      const typedAsLoginCode = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "246810" }))
      assert.deepInclude(typedAsLoginCode, { code: 400, message: "Call to checkAuthenticationCode unexpected" })
      const emailCode = (code: string) => ({
        _: "checkAuthenticationEmailCode" as const,
        code: { _: "emailAddressAuthenticationCode" as const, code }
      })
      assert.deepInclude(yield* tdlibFailure(tdl.invoke(emailCode(""))), { code: 400, message: "Code must be non-empty" })
      assert.deepInclude(yield* tdlibFailure(tdl.invoke(emailCode("111111"))), { code: 400, message: "EMAIL_CODE_INVALID" })
      const resend = yield* tdlibFailure(tdl.invoke({ _: "resendAuthenticationCode" }))
      assert.deepInclude(resend, { code: 400, message: "EMAIL_INVALID" })
      yield* tdl.invoke(emailCode("246810"))
      yield* authorizationUpdate("authorizationStateWaitPassword")
    }).pipe(Effect.provide(fakeLayer(JSON.stringify({
      password: "senha-secreta",
      email: { setup: false, pattern: "a***@gmail.com", code: "246810" }
    })))))

  it.live("asks for a login e-mail to set up, where a phone number is still taken again", () =>
    Effect.gen(function*() {
      const { tdl, phone } = yield* numberGiven
      const waiting = yield* authorizationUpdate("authorizationStateWaitEmailAddress")
      assert.deepStrictEqual(waiting.authorization_state, {
        _: "authorizationStateWaitEmailAddress",
        allow_apple_id: false,
        allow_google_id: false
      })
      const code = yield* tdlibFailure(tdl.invoke({ _: "checkAuthenticationCode", code: "12345" }))
      assert.deepInclude(code, { code: 400, message: "Call to checkAuthenticationCode unexpected" })
      yield* tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${phone}` })
      yield* authorizationUpdate("authorizationStateWaitEmailAddress")
    }).pipe(Effect.provide(fakeLayer(JSON.stringify({ email: { setup: true, pattern: "", code: "1234" } })))))

  it.live("a number without an account: the right code leads to registration", () =>
    Effect.gen(function*() {
      const { tdl } = yield* numberGiven
      yield* tdl.invoke({ _: "checkAuthenticationCode", code: "12345" })
      const registration = yield* authorizationUpdate("authorizationStateWaitRegistration")
      assert.deepInclude(registration.authorization_state, { _: "authorizationStateWaitRegistration" })
      const me = yield* tdlibFailure(tdl.invoke({ _: "getMe" }))
      assert.deepInclude(me, { code: 401, message: "Unauthorized" })
    }).pipe(Effect.provide(fakeLayer(JSON.stringify({ registered: false })))))

  it.live("resumes a QR-code login at start, waiting for another device, and refuses a phone number", () =>
    Effect.gen(function*() {
      const tdl = yield* Tdl
      const config = yield* TestConfig
      const state = yield* tdl.authorizationState
      assert.strictEqual(state._, "authorizationStateWaitOtherDeviceConfirmation")
      assert.match(state._ === "authorizationStateWaitOtherDeviceConfirmation" ? state.link : "", /^tg:\/\/login\?token=[A-Za-z0-9_-]+$/)
      const refused = yield* tdlibFailure(tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${config.phone}` }))
      assert.deepInclude(refused, { code: 400, message: "Call to setAuthenticationPhoneNumber unexpected" })
    }).pipe(Effect.provide(fakeLayer(JSON.stringify({ pendingQrCodeLogin: true })))))

  it.live("resends the code once by the next way Telegram named, then says it can't", () =>
    Effect.gen(function*() {
      const { tdl, phone } = yield* numberGiven
      const first = yield* authorizationUpdate("authorizationStateWaitCode")
      assert.deepInclude(first.authorization_state, {
        code_info: {
          _: "authenticationCodeInfo",
          phone_number: `+${phone}`,
          type: { _: "authenticationCodeTypeTelegramMessage", length: 5 },
          next_type: { _: "authenticationCodeTypeSms", length: 5 },
          timeout: 60
        }
      })
      yield* tdl.invoke({ _: "resendAuthenticationCode" })
      const second = yield* authorizationUpdate("authorizationStateWaitCode")
      assert.deepInclude(second.authorization_state, {
        code_info: { _: "authenticationCodeInfo", phone_number: `+${phone}`, type: { _: "authenticationCodeTypeSms", length: 5 }, timeout: 0 }
      })
      const again = yield* tdlibFailure(tdl.invoke({ _: "resendAuthenticationCode" }))
      assert.deepInclude(again, { code: 400, message: "Authentication code can't be resend" })
    }).pipe(Effect.provide(fakeLayer())))

  it.live("a script's overrides for one phone number apply to that number only", () =>
    Effect.gen(function*() {
      const config = yield* TestConfig
      const states = yield* Effect.forEach([config.phone, Schema.decodeUnknownSync(PhoneNumber)("5511900000009")], (phone) =>
        Effect.gen(function*() {
          const tdl = yield* Tdl
          return (yield* tdl.authorizationState)._
        }).pipe(
          Effect.provide(fakeTdl({ ...config, phone }, Option.some(JSON.stringify({
            byPhone: { [config.phone]: { pendingQrCodeLogin: true } }
          }))).pipe(Layer.provide(NodeFileSystem.layer)))
        ))
      assert.deepStrictEqual(states, ["authorizationStateWaitOtherDeviceConfirmation", "authorizationStateWaitPhoneNumber"])
    }).pipe(Effect.provideServiceEffect(TestConfig, Effect.sync(() => testConfig(makeDataDir())))))

  it.live("refuses a script it cannot read", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(fakeLayer(JSON.stringify({ code: "abc" }))))
      assert.strictEqual(error._tag, "TdlError")
      assert.match(error.message, /^TDLib could not start: FAKE_TDL_SCRIPT: /)
    }).pipe(Effect.scoped))
})
