/**
 * The order path end to end for tests: sellers seeded in a test database as a finished login leaves them (plan,
 * price table, active group, a session meant to run, the fake TDLib logged in), the built control plane as a process
 * with the process runtime, and customers writing and editing in the sellers' group through each fake TDLib.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import type { Plan } from "@vigia/domain/Plan"
import { type Duration, Effect, Redacted, Schedule, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"
import type { UserId } from "../../src/data/UserId.ts"
import { poolsData, spaceOf } from "../../src/sessions/manager/Placement.ts"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import { FakeBotApi } from "./FakeBotApi.ts"
import { priceTable } from "./SellerAccounts.ts"
import { includes } from "./SellerScript.ts"
import type { TestDatabase } from "./TestDatabase.ts"
import { deleteRedisKeys, redisUrl } from "./WorkerHarness.ts"

/** The sellers' group: a supergroup, so each report carries a link to the order. */
export const group = { id: -1002001009001, kind: "supergroup", title: "Feira de Sábado" } as const
/** The fake account's customer and its own Telegram id (`me` of the default script). */
export const customerId = 700000002
const accountId = 700000001
export const fakeScript = { chats: [{ id: customerId, kind: "private", title: "Carlos Cliente" }, group] }

/** `https://t.me/c/{channel}/{server id}`: how a report names the order it is about. */
export const linkOf = (messageId: number) => `https://t.me/c/${-group.id - 1_000_000_000_000}/${messageId / 2 ** 20}`

export interface Seller {
  readonly userId: UserId
  /** The seller's Telegram id: their private chat with the bot, where reports go. */
  readonly chatId: number
  readonly phone: PhoneNumber
}

/** A test run's own Redis prefix and workers' folder, and how many accounts share a worker (1: each its own). */
export interface Deployment {
  readonly prefix: string
  readonly workersRoot: string
  readonly accountsPerProcess: number
}

export const deployment = (name: string, accountsPerProcess = 1): Deployment => ({
  prefix: `${name}${Crypto.randomBytes(4).toString("hex")}`,
  workersRoot: Fs.mkdtempSync(Path.join(Os.tmpdir(), `vigia-${name}-`)),
  accountsPerProcess
})

let nextTelegramId = 9_300_000_000 + Crypto.randomInt(0, 1_000_000) * 100

/** A seller as a finished login leaves them, with the group active (automatic replies as asked). */
export const seedSeller = (
  at: Deployment,
  options: { readonly plan: Plan; readonly autoReply?: boolean; readonly runtime?: "process" | "inline" }
) =>
  Effect.gen(function*() {
    const chatId = nextTelegramId++
    const phone = Schema.decodeUnknownSync(PhoneNumber)(`5511${Crypto.randomInt(910_000_000, 999_999_999)}`)
    const users = yield* Users
    const user = yield* users.getOrCreate({ telegramUserId: chatId, firstName: "Vendedora", lastName: null, username: null, languageCode: "pt-br" })
    yield* users.recordLogin(user.id, { phoneNumber: phone, telegramAccountId: accountId })
    if (options.plan !== "free") {
      yield* (yield* Subscriptions).grant(user.id, { plan: options.plan, expiresAt: null, overrides: {}, paymentReference: null, source: "admin" })
    }
    yield* (yield* PriceTables).replace(user.id, priceTable)
    const groups = yield* ActiveGroups
    yield* groups.activate(user.id, { groupId: group.id, title: group.title })
    if (options.autoReply === true) yield* groups.setAutoReply(user.id, group.id, true)
    yield* (yield* Sessions).register(user.id, phone, options.runtime ?? "process")
    const database = Path.join(accountFolder(at, phone), "database")
    Fs.mkdirSync(database, { recursive: true })
    Fs.writeFileSync(Path.join(database, "fake-td.json"), JSON.stringify({ authorized: true, userId: accountId }))
    return { userId: user.id, chatId, phone } satisfies Seller
  })

/** The account's folder: in its own data, or (pooled) in the pools' data. */
export const accountFolder = (at: Deployment, phone: PhoneNumber) =>
  Path.join(at.workersRoot, ContainerNames.volumeName(at.accountsPerProcess > 1 ? poolsData(spaceOf(at.prefix)) : phone), phone)

/** The control plane's environment: this run's database, Redis prefix and folder, fake TDLib workers as processes. */
export const environment = (
  at: Deployment,
  api: FakeBotApi["Service"],
  database: TestDatabase["Service"],
  extra: Readonly<Record<string, string>> = {}
): Record<string, string> => ({
  BOT_TOKEN: api.token,
  BOT_API_ROOT: api.apiRoot,
  DATABASE_URL: Redacted.value(database.url),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: at.prefix,
  CONTAINER_RUNTIME: "process",
  TDL_DRIVER: "fake",
  FAKE_TDL_SCRIPT: JSON.stringify(fakeScript),
  SESSION_MASTER_KEY: "order-harness-master-key",
  WORKER_DATA_DIR: at.workersRoot,
  WORKER_DEPLOYMENT: at.prefix,
  WORKER_HEARTBEAT_INTERVAL: "1",
  QUEUE_SWEEP_INTERVAL: "1 second",
  MAX_CONCURRENT_STARTS: "8",
  LOG_FORMAT: "json",
  WORKER_ACCOUNTS_PER_PROCESS: String(at.accountsPerProcess),
  ...extra
})

const sideChannel = (at: Deployment, phone: PhoneNumber) =>
  Effect.sync(() => {
    const file = Path.join(accountFolder(at, phone), "fake-tdl.port")
    return Fs.existsSync(file) ? `http://127.0.0.1:${Fs.readFileSync(file, "utf8").trim()}` : undefined
  })

const post = (url: string, body: unknown) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    const answer = (await response.json()) as Record<string, unknown>
    if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(answer)}`)
    return answer
  })

/** Waits until the seller's worker is up (its fake TDLib's side channel answers). */
export const workerUp = (at: Deployment, phone: PhoneNumber) =>
  sideChannel(at, phone).pipe(
    Effect.flatMap((url) => url === undefined ? Effect.fail(new Error("no side channel yet")) : Effect.tryPromise(() => fetch(`${url}/state`))),
    Effect.filterOrFail((response) => response.ok, () => new Error("not answering")),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo({ duration: "90 seconds" }))),
    Effect.asVoid
  )

/** A customer writes `text` in the sellers' group (or another group `chatId`), through the seller's fake TDLib; answers the message's id. */
export const customerWrites = (at: Deployment, phone: PhoneNumber, text: string, chatId: number = group.id) =>
  Effect.flatMap(sideChannel(at, phone), (url) => post(`${url}/messages`, { chatId, text, senderUserId: customerId })).pipe(
    Effect.map((answer) => Number(answer.messageId))
  )

/** The customer edits their message `messageId` to say `text`. */
export const customerEdits = (at: Deployment, phone: PhoneNumber, messageId: number, text: string) =>
  Effect.flatMap(sideChannel(at, phone), (url) => post(`${url}/messages/edit`, { chatId: group.id, messageId, text, senderUserId: customerId }))

/** The messages the seller's account sent in the group (its automatic replies). */
export const groupReplies = (at: Deployment, phone: PhoneNumber) =>
  Effect.flatMap(sideChannel(at, phone), (url) =>
    Effect.tryPromise(async () => (await (await fetch(`${url}/sent`)).json()) as ReadonlyArray<{ readonly chatId: number; readonly text: string }>))

/**
 * The seller's worker is up and watches the group: orders are written until one is reported (a worker reads the
 * group only once the control plane has told it to, a moment after it starts).
 */
export const ready = (at: Deployment, seller: Seller, within: Duration.Input = "3 seconds") =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    yield* workerUp(at, seller.phone)
    const reported = Effect.gen(function*() {
      const messageId = yield* customerWrites(at, seller.phone, "1 pastel de carne")
      return yield* api.awaitMessage(seller.chatId, includes(linkOf(messageId)), within)
    })
    yield* reported.pipe(Effect.retry({ times: 20 }), Effect.orDie)
  })

/** Workers outlive the control plane by design: a run stops every one it caused, then removes its keys and folder. */
export const cleanup = (at: Deployment) =>
  Effect.gen(function*() {
    const records = Fs.existsSync(at.workersRoot) ? Fs.readdirSync(at.workersRoot) : []
    for (const name of records.filter((name) => /^vigia-session-\d+\.json$/.test(name))) {
      const { pid } = JSON.parse(Fs.readFileSync(Path.join(at.workersRoot, name), "utf8")) as { readonly pid: number }
      yield* Effect.ignore(Effect.try(() => process.kill(-pid, "SIGKILL")))
    }
    Fs.rmSync(at.workersRoot, { recursive: true, force: true })
    yield* deleteRedisKeys(at.prefix)
  })
