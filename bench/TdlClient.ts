/**
 * The floor under any worker on real TDLib, for the memory figures: tdl and prebuilt-tdlib loaded as the worker
 * loads them, one client opened with the worker's parameters and no network, left idle once it waits for a phone
 * number: it prints `ready` then; SIGTERM closes TDLib and exits. Its database goes under `$TDL_CLIENT_FOLDER`.
 * Written without type annotations: the bench runs it as plain JavaScript (`node --input-type=module -e`), since
 * Node's TypeScript stripping, which a `.ts` entry loads, costs about 16 MiB no worker pays.
 */
import { getTdjson } from "prebuilt-tdlib"
import * as tdl from "tdl"
import * as Path from "node:path"

const folder = process.env.TDL_CLIENT_FOLDER ?? "."

tdl.configure({ tdjson: getTdjson(), verbosityLevel: 1 })
tdl.init()
tdl.execute({ _: "setLogStream", log_stream: { _: "logStreamEmpty" } })

const client = tdl.createBareClient()
client.on("update", (update) => {
  if (update._ === "updateAuthorizationState" && update.authorization_state._ === "authorizationStateWaitPhoneNumber") {
    process.stdout.write("ready\n")
  }
})
client.on("error", (error) => process.stderr.write(`${error.message}\n`))
// As the worker does with TDL_NETWORK=none: the network type first (TDLib answers in order), so it dials nowhere.
void client.invoke({ _: "setNetworkType", type: { _: "networkTypeNone" } })
void client.invoke({
  _: "setTdlibParameters",
  database_directory: Path.join(folder, "database"),
  files_directory: Path.join(folder, "files"),
  use_file_database: false,
  use_chat_info_database: true,
  use_message_database: true,
  use_secret_chats: false,
  api_id: 1,
  api_hash: "0".repeat(32),
  system_language_code: "pt",
  device_model: "Vigia",
  system_version: "Linux",
  application_version: "0.1.0"
})
process.once("SIGTERM", () => void client.close().then(() => process.exit(0)))
