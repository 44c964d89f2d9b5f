/**
 * Real TDLib for the worker's tests: dummy credentials, no network (a test must never reach Telegram), and the
 * database keys the test gives.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Option, Redacted } from "effect"
import { Tdl, type TdlibSettings } from "../../src/tdlib/Tdl.ts"
import { accountFolder } from "../../src/WorkerConfig.ts"
import { testConfig } from "../TestConfig.ts"

/** Real TDLib with dummy credentials and no network: it must never try to reach Telegram from a test. */
export const tdlib = (dataDir: string, phone: PhoneNumber, encryptionKey?: string, previousKey?: string) => {
  const tdlib: TdlibSettings = {
    apiId: 12345,
    apiHash: Redacted.make("0123456789abcdef0123456789abcdef"),
    databaseEncryptionKey: Option.map(Option.fromUndefinedOr(encryptionKey), Redacted.make),
    previousDatabaseEncryptionKey: Option.map(Option.fromUndefinedOr(previousKey), Redacted.make),
    network: "none"
  }
  const config = testConfig(dataDir, { phone, tdl: { _tag: "Tdlib", ...tdlib } })
  return {
    config,
    layer: Tdl.layer({ folder: accountFolder(config), requestTimeout: config.commandTimeout, ...tdlib })
  }
}
