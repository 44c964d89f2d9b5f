/**
 * The fake TDLib: an in-memory TDLib for one scripted account (its script, its clients, its side channel),
 * and the `TdlFake` service through which tests drive it.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, Effect, FileSystem, Layer, type Option } from "effect"
import * as Path from "node:path"
import type * as TdApi from "../TdApi.ts"
import { startFailed, type TdlError } from "../TdlError.ts"
import * as FakeAccount from "./FakeAccount.ts"
import { type EditedMessage, editMessage } from "./FakeChats.ts"
import * as FakeClient from "./FakeClient.ts"
import { readScript } from "./FakeScript.ts"
import * as SideChannel from "./SideChannel.ts"

export { ConnectionStateName, FakeState, FakeTdlRefused, InjectedMessage, SentMessage } from "./FakeAccount.ts"
export { defaultScript, FakeScript } from "./FakeScript.ts"
export { EditedMessage } from "./FakeChats.ts"

/** The fake's own settings. */
export interface FakeSettings {
  /** The side channel's port on 127.0.0.1; 0 for any free one. */
  readonly sideChannelPort: number
  /** Overrides of the scripted account: JSON, or the path of a JSON file; none plays the default account. */
  readonly script: Option.Option<string>
}

export interface FakeOptions extends FakeSettings {
  /** The account's phone number: any other is `PHONE_NUMBER_INVALID`. */
  readonly phone: PhoneNumber
  /** The account's folder, where the side channel's port is written (`fake-tdl.port`). */
  readonly folder: string
}

/** Where the fake writes the port of its side channel, so a test can find it. */
export const portFile = (folder: string): string => Path.join(folder, "fake-tdl.port")

export class TdlFake extends Context.Service<TdlFake, FakeAccount.FakeControls & {
  /** The side channel's port on 127.0.0.1. */
  readonly sideChannelPort: number
  /** Opens a new TDLib client on this account, as `tdl.createBareClient` does. */
  readonly connect: TdApi.Connect<never, never>
  /** Someone edits a message they wrote in one of the account's chats; answers the edit's date. */
  readonly editMessage: (message: EditedMessage) => Effect.Effect<number, FakeAccount.FakeTdlRefused>
}>()("@vigia/session-worker/tdlib/fake/TdlFake") {
  static readonly layer = (options: FakeOptions): Layer.Layer<TdlFake, TdlError, FileSystem.FileSystem> =>
    Layer.effect(TdlFake, make(options))
}

const make = Effect.fnUntraced(function*(options: FakeOptions) {
  const fs = yield* FileSystem.FileSystem
  const script = yield* readScript(options.script, options.phone)
  const account = yield* FakeAccount.make(options.phone, script, fs, options.folder)
  const edit = editMessage(account)
  const sideChannelPort = yield* SideChannel.serve(options.sideChannelPort, { ...account, editMessage: edit }).pipe(
    Effect.mapError((error) => startFailed(`fake TDLib side channel: ${error.message}`))
  )
  yield* fs.makeDirectory(options.folder, { recursive: true }).pipe(
    Effect.andThen(fs.writeFileString(portFile(options.folder), `${sideChannelPort}\n`)),
    Effect.mapError((error) => startFailed(`fake TDLib port file: ${error.message}`))
  )
  yield* Effect.logInfo("fake TDLib side channel listening", `127.0.0.1:${sideChannelPort}`)

  return TdlFake.of({
    injectMessage: account.injectMessage,
    setConnectionState: account.setConnectionState,
    sentMessages: account.sentMessages,
    closeClient: account.closeClient,
    state: account.state,
    sideChannelPort,
    connect: FakeClient.connect(account),
    editMessage: edit
  })
})
