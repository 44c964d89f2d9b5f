import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as Fs from "node:fs"
import { databaseDirectory, Tdl } from "../../src/tdlib/Tdl.ts"
import { accountFolder } from "../../src/WorkerConfig.ts"
import { makeDataDir, randomPhone } from "../TestConfig.ts"
import { tdlib } from "./RealTdlib.ts"

describe("Tdl with real TDLib", () => {
  it.live("opens offline, answers with TDLib's errors, times out what would wait for the network, closes cleanly and reopens", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      const phone = randomPhone()
      const first = tdlib(dataDir, phone)
      yield* Effect.gen(function*() {
        const tdl = yield* Tdl
        assert.strictEqual((yield* tdl.authorizationState)._, "authorizationStateWaitPhoneNumber")
        const opening = yield* tdl.updates.pipe(Stream.take(3), Stream.runCollect, Effect.timeout("5 seconds"))
        assert.deepStrictEqual(
          opening.map((update) =>
            update._ === "updateAuthorizationState"
              ? update.authorization_state._
              : update._ === "updateConnectionState"
              ? update.state._
              : update._
          ),
          ["authorizationStateWaitTdlibParameters", "authorizationStateWaitPhoneNumber", "connectionStateWaitingForNetwork"]
        )
        const me = yield* Effect.flip(tdl.invoke({ _: "getMe" }))
        assert.deepInclude(me.reason, { _tag: "TdlibFailure", code: 401, message: "Unauthorized" })
        const started = Date.now()
        const login = yield* Effect.flip(
          tdl.invoke({ _: "setAuthenticationPhoneNumber", phone_number: `+${first.config.phone}` }, { timeout: "1 second" })
        )
        assert.deepInclude(login.reason, { _tag: "TdlTimeout", request: "setAuthenticationPhoneNumber" })
        assert.isBelow(Date.now() - started, 3_000)
        yield* tdl.close
        yield* tdl.closed
        const afterClose = yield* Effect.flip(tdl.invoke({ _: "getMe" }))
        assert.deepInclude(afterClose.reason, { _tag: "TdlClosed" })
      }).pipe(Effect.provide(first.layer))
      assert.isTrue(Fs.existsSync(`${databaseDirectory(accountFolder(first.config))}/td.binlog`))

      const reopened = yield* Effect.gen(function*() {
        const tdl = yield* Tdl
        return (yield* tdl.authorizationState)._
      }).pipe(Effect.provide(tdlib(dataDir, phone).layer))
      assert.strictEqual(reopened, "authorizationStateWaitPhoneNumber")

      // A database under its own key opens with neither another key nor TDLib's default one.
      const keyed = randomPhone()
      yield* Layer.build(tdlib(dataDir, keyed, Buffer.alloc(32, 1).toString("base64")).layer).pipe(Effect.scoped)
      const wrongKey = yield* Effect.flip(Layer.build(tdlib(dataDir, keyed, Buffer.alloc(32, 2).toString("base64")).layer)).pipe(
        Effect.scoped
      )
      assert.strictEqual(wrongKey.message, "TDLib could not start: setTdlibParameters failed: 401 Wrong database encryption key")
      Fs.rmSync(dataDir, { recursive: true, force: true })
    }), 60_000)
})
