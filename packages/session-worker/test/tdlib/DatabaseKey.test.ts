import { assert, describe, it } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Fiber, Layer, Option, Redacted, Stream, SubscriptionRef } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as tdl from "tdl"
import * as DatabaseKey from "../../src/tdlib/DatabaseKey.ts"
import type * as TdApi from "../../src/tdlib/TdApi.ts"
import { databaseDirectory, filesDirectory, Tdl } from "../../src/tdlib/Tdl.ts"
import { TdlError, TdlibFailure } from "../../src/tdlib/TdlError.ts"
import { accountFolder } from "../../src/WorkerConfig.ts"
import { makeDataDir, randomPhone } from "../TestConfig.ts"
import { tdlib } from "./RealTdlib.ts"

const newKey = () => Crypto.randomBytes(32).toString("base64")
const marker = "vigia-marker-proxy.invalid"

/**
 * Real TDLib opened on an account's folder with `key` by a bare tdl client, as anyone holding a copy of the folder
 * could (TDLib is loaded once per process: a `Tdl` layer has loaded it first). `use` runs once it is open; the
 * result is TDLib's refusal instead when the key does not open the database.
 */
const openRaw = <A>(folder: string, key: string, use: (client: tdl.Client) => Promise<A>) =>
  Effect.promise(async (): Promise<{ readonly opened: A } | { readonly refused: string }> => {
    const client = tdl.createBareClient()
    let closed: () => void = () => {}
    const whenClosed = new Promise<void>((resolve) => (closed = resolve))
    const opening = new Promise<string | undefined>((resolve) =>
      client.on("update", (update) => {
        if (update._ !== "updateAuthorizationState") return
        if (update.authorization_state._ === "authorizationStateClosed") closed()
        if (update.authorization_state._ !== "authorizationStateWaitTdlibParameters") return
        void client.invoke({ _: "setNetworkType", type: { _: "networkTypeNone" } }).catch(() => undefined)
        client.invoke({
          _: "setTdlibParameters",
          database_directory: databaseDirectory(folder),
          files_directory: filesDirectory(folder),
          database_encryption_key: key,
          use_chat_info_database: true,
          use_message_database: true,
          api_id: 12345,
          api_hash: "0123456789abcdef0123456789abcdef",
          system_language_code: "pt",
          device_model: "Vigia",
          application_version: "0.1.0"
        }).then(() => resolve(undefined), (error: Error) => resolve(error.message))
      })
    )
    const refusal = await opening
    try {
      return refusal === undefined ? { opened: await use(client) } : { refused: refusal }
    } finally {
      await client.invoke({ _: "close" }).catch(() => undefined)
      await whenClosed
    }
  })

const addMarker = (client: tdl.Client) =>
  client.invoke({
    _: "addProxy",
    proxy: { _: "proxy", server: marker, port: 1080, type: { _: "proxyTypeSocks5", username: "", password: "" } },
    enable: false
  })

const proxies = (client: tdl.Client) =>
  client.invoke({ _: "getProxies" }).then((list: { readonly proxies: ReadonlyArray<{ readonly proxy: { readonly server: string } }> }) =>
    list.proxies.map((entry) => entry.proxy.server)
  )

/** The worker's `Tdl` opened and closed on the account's folder; its failure message, if it failed. */
const workerOpens = (dataDir: string, phone: PhoneNumber, key?: string, previous?: string) =>
  Layer.build(tdlib(dataDir, phone, key, previous).layer).pipe(
    Effect.flatMap((context) => Effect.map(Effect.provide(Tdl, context), () => Option.none<string>())),
    Effect.catch((error) => Effect.succeed(Option.some(error.message))),
    Effect.scoped
  )

const folderOf = (dataDir: string, phone: PhoneNumber) => accountFolder({ dataDir, phone })

/** Whether `text` appears in any file of the account's database, as bytes on disk. */
const onDisk = (folder: string, text: string) =>
  Fs.readdirSync(databaseDirectory(folder)).some((name) =>
    Fs.readFileSync(Path.join(databaseDirectory(folder), name)).includes(Buffer.from(text)))

describe("TDLib's database under the account's own key (real TDLib, no network)", () => {
  it.live("a database opened with the account's key opens with neither TDLib's default key nor another account's", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      const phone = randomPhone()
      const key = newKey()
      assert.deepStrictEqual(yield* workerOpens(dataDir, phone, key), Option.none())
      const folder = folderOf(dataDir, phone)
      assert.deepStrictEqual(yield* openRaw(folder, key, addMarker).pipe(Effect.map((r) => "opened" in r)), true)
      assert.isFalse(onDisk(folder, marker), "no plaintext of the account's data on disk")
      assert.deepStrictEqual(yield* openRaw(folder, "", proxies), { refused: "Wrong database encryption key" })
      assert.deepStrictEqual(yield* openRaw(folder, newKey(), proxies), { refused: "Wrong database encryption key" })
      assert.deepStrictEqual(yield* openRaw(folder, key, proxies), { opened: [marker] })
      Fs.rmSync(dataDir, { recursive: true, force: true })
    }), 60_000)

  it.live("a worker with its own key opens a folder made before (TDLib's default key, or the one shared key) and keeps its state", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      const [before, shared] = [randomPhone(), randomPhone()]
      const sharedKey = newKey()
      // Folders as earlier versions left them: TDLib's default key, and the key every account was given.
      assert.deepStrictEqual(yield* workerOpens(dataDir, before), Option.none())
      assert.deepStrictEqual(yield* workerOpens(dataDir, shared, sharedKey), Option.none())
      yield* openRaw(folderOf(dataDir, before), "", addMarker)
      yield* openRaw(folderOf(dataDir, shared), sharedKey, addMarker)

      const own = newKey()
      assert.deepStrictEqual(yield* workerOpens(dataDir, before, own), Option.none(), "opens under TDLib's default key")
      assert.deepStrictEqual(yield* workerOpens(dataDir, shared, own, sharedKey), Option.none(), "opens under the shared key")
      const ownWithoutPrevious = yield* workerOpens(dataDir, shared, newKey())
      assert.include(Option.getOrElse(ownWithoutPrevious, () => ""), "Wrong database encryption key", "the shared key is needed")
      // TDLib moves a database to another key only for an authorized account: until then it stays as it was.
      assert.deepStrictEqual(yield* openRaw(folderOf(dataDir, before), "", proxies), { opened: [marker] })
      assert.deepStrictEqual(yield* openRaw(folderOf(dataDir, shared), sharedKey, proxies), { opened: [marker] })
      Fs.rmSync(dataDir, { recursive: true, force: true })
    }), 90_000)
})

describe("DatabaseKey", () => {
  const wrongKey = new TdlError({
    reason: new TdlibFailure({ request: "setTdlibParameters", code: 401, message: "Wrong database encryption key" })
  })

  /** A TDLib whose database is under `under`: it answers the parameters as TDLib does, and records every request. */
  const scripted = (under: string) => {
    const sent: Array<TdApi.AnyRequest> = []
    const send = (request: TdApi.AnyRequest) =>
      Effect.suspend(() => {
        sent.push(request)
        if (request._ !== "setTdlibParameters") return Effect.succeed({ _: "ok" })
        return request.database_encryption_key === under ? Effect.succeed({ _: "ok" }) : Effect.fail(wrongKey)
      })
    return { sent, send }
  }
  const parameters: TdApi.Request<"setTdlibParameters"> = { _: "setTdlibParameters", api_id: 1, api_hash: "h" }

  it("tries the account's key, then the previous shared key, then TDLib's default; no key: the default alone", () => {
    const own = Redacted.make("own")
    assert.deepStrictEqual(DatabaseKey.databaseKeys(Option.some(own), Option.some(Redacted.make("shared"))), { current: "own", older: ["shared", ""] })
    assert.deepStrictEqual(DatabaseKey.databaseKeys(Option.some(own), Option.none()), { current: "own", older: [""] })
    assert.deepStrictEqual(DatabaseKey.databaseKeys(Option.none(), Option.some(Redacted.make("shared"))), { current: "", older: [] })
  })

  it.effect("opens with the first key TDLib accepts; any other failure, or the last refusal, fails", () =>
    Effect.gen(function*() {
      const keys = { current: "own", older: ["shared", ""] }
      const legacy = scripted("")
      assert.strictEqual(yield* DatabaseKey.open(legacy.send, parameters, keys), "")
      assert.deepStrictEqual(legacy.sent.map((request) => request._ === "setTdlibParameters" && request.database_encryption_key), ["own", "shared", ""])
      assert.strictEqual(yield* DatabaseKey.open(scripted("own").send, parameters, keys), "own")
      const lost = yield* Effect.flip(DatabaseKey.open(scripted("forgotten").send, parameters, keys))
      assert.strictEqual(lost, wrongKey)
    }))

  it.effect("re-encrypts with the account's key once the account is authorized, not before", () =>
    Effect.gen(function*() {
      const tdlib = scripted("")
      const states = yield* SubscriptionRef.make<TdApi.AuthorizationState>({ _: "authorizationStateWaitPhoneNumber" })
      const fiber = yield* DatabaseKey.reencryptWhenAuthorized(tdlib.send, SubscriptionRef.changes(states), "own").pipe(Effect.forkChild)
      yield* SubscriptionRef.set(states, { _: "authorizationStateWaitCode" } as TdApi.AuthorizationState)
      yield* Effect.yieldNow
      assert.deepStrictEqual(tdlib.sent, [])
      yield* SubscriptionRef.set(states, { _: "authorizationStateReady" })
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(tdlib.sent, [{ _: "setDatabaseEncryptionKey", new_encryption_key: "own" }])
    }))

  it.effect("an account already authorized is re-encrypted at once", () =>
    Effect.gen(function*() {
      const tdlib = scripted("")
      yield* DatabaseKey.reencryptWhenAuthorized(tdlib.send, Stream.make({ _: "authorizationStateReady" } as const), "own")
      assert.deepStrictEqual(tdlib.sent.map((request) => request._), ["setDatabaseEncryptionKey"])
    }))
})
