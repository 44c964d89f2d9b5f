import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { TdlFake } from "../../../src/tdlib/fake/TdlFake.ts"
import { Tdl } from "../../../src/tdlib/Tdl.ts"
import { accountFolder } from "../../../src/WorkerConfig.ts"
import { fakeTdl, makeDataDir, testConfig } from "../../TestConfig.ts"

const basicGroup = -4001001001
const supergroup = -1002001001001
const serverIdFactor = 2 ** 20

describe("TdlFake message ids", () => {
  it.live("stay unique and increasing per chat across restarts, multiples of 2^20 as TDLib's server ids are", () =>
    Effect.gen(function*() {
      const config = testConfig(makeDataDir())
      // The account logged in earlier: its TDLib database says so.
      const database = Path.join(accountFolder(config), "database")
      Fs.mkdirSync(database, { recursive: true })
      Fs.writeFileSync(Path.join(database, "fake-td.json"), JSON.stringify({ authorized: true, userId: 700000001 }))
      const layer = fakeTdl(config).pipe(Layer.provide(NodeFileSystem.layer))

      /** One run of the worker's TDLib: customers write in two chats, the account answers in one. */
      const oneRun = Effect.gen(function*() {
        const tdl = yield* Tdl
        const fake = yield* TdlFake
        assert.strictEqual((yield* tdl.authorizationState)._, "authorizationStateReady")
        const first = yield* fake.injectMessage({ chatId: basicGroup, text: "2x coca 2L" })
        const other = yield* fake.injectMessage({ chatId: supergroup, text: "1 pão de queijo" })
        yield* tdl.invoke({
          _: "sendMessage",
          chat_id: basicGroup,
          input_message_content: { _: "inputMessageText", text: { _: "formattedText", text: "Total: R$ 19,00" } }
        })
        const second = yield* fake.injectMessage({ chatId: basicGroup, text: "mais 1 coca" })
        const sent = (yield* fake.sentMessages).map((message) => message.messageId)
        return new Map([[basicGroup, [first, ...sent, second]], [supergroup, [other]]])
      }).pipe(Effect.provide(layer))

      const before = yield* oneRun
      const after = yield* oneRun
      for (const chat of [basicGroup, supergroup]) {
        const ids = [...before.get(chat) ?? [], ...after.get(chat) ?? []]
        assert.deepStrictEqual(ids, [...ids].sort((a, b) => a - b), `increasing in chat ${chat}`)
        assert.strictEqual(new Set(ids).size, ids.length, `unique in chat ${chat}`)
        for (const id of ids) assert.strictEqual(id % serverIdFactor, 0, `${id} is a server message id`)
      }
      Fs.rmSync(config.dataDir, { recursive: true, force: true })
    }))
})
