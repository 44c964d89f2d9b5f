/**
 * Sellers already logged in, for tests of the control plane as a process over real workers (process runtime,
 * fake TDLib): their rows in PostgreSQL (plan, price table, an active group, a session, the connected account)
 * and their fake TDLib's database saying the account is authorized, so the control plane starts their workers
 * as it does after a restart. Then customers write, and the reports are read from the fake Bot API.
 */
import * as Money from "@vigia/domain/Money"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Centavos } from "@vigia/domain/PriceTable"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import { Duration, Effect, Layer, Schedule, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"
import * as Data from "../../src/data/layer.ts"
import { poolsData, spaceOf } from "../../src/sessions/manager/Placement.ts"
import { type BotMessage, FakeBotApi, type FakeUser } from "./FakeBotApi.ts"
import * as SellerScript from "./SellerScript.ts"
import { TestDatabase } from "./TestDatabase.ts"
import { deleteRedisKeys } from "./WorkerHarness.ts"

export { redisUrl } from "./WorkerHarness.ts"

/** What a test of logged-in sellers needs: the fake Bot API, and a fresh database with the repositories over it. */
export const testLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

/** The fake TDLib's default account: who it is, and one of its supergroups. */
const fakeAccountId = 700000001
export const orderGroup = { id: -1002001001001, title: "Feira de Sábado" }

/** "N pão de queijo" costs N × R$ 1,20: each order's report names its own total. */
export const priceTable = PriceTableParser.parse("Pão de queijo = 1,20 / un\nCoca-Cola 2L = 9,50").items

export interface LoggedInSeller {
  readonly user: FakeUser
  readonly phone: PhoneNumber
}

/** The phone number of a test seller's account, from their Telegram id. */
export const phoneOf = (user: FakeUser): PhoneNumber => Schema.decodeUnknownSync(PhoneNumber)(`55119${String(user.id).slice(-8)}`)

/**
 * The workers' folders of one test file, its queue prefix and worker deployment (one name for both), and how many
 * accounts share a worker (`WORKER_ACCOUNTS_PER_PROCESS`; 1, each its own).
 */
export const testRun = (name: string, accountsPerProcess = 1) => ({
  prefix: `${name}${Crypto.randomBytes(4).toString("hex")}`,
  workersRoot: Fs.mkdtempSync(Path.join(Os.tmpdir(), `vigia-${name}-`)),
  accountsPerProcess
})

export type TestRun = ReturnType<typeof testRun>

/** Whose folder holds the account's: its own, or (pooled) the pools'. */
const dataOwner = (run: TestRun, phone: PhoneNumber) => run.accountsPerProcess > 1 ? poolsData(spaceOf(run.prefix)) : phone

/** The account's folder, where its worker keeps the fake TDLib's database and side-channel port. */
const accountFolder = (run: TestRun, phone: PhoneNumber) =>
  Path.join(run.workersRoot, `vigia-session-${dataOwner(run, phone)}-data`, phone)

/** The pid records of the run's workers: each account's own, or (pooled) its pools'. */
const records = (run: TestRun, phones: ReadonlyArray<PhoneNumber>) =>
  run.accountsPerProcess > 1
    ? Fs.readdirSync(run.workersRoot).filter((name) => /^vigia-session-999[0-9]{9}\.json$/.test(name))
    : phones.map((phone) => `vigia-session-${phone}.json`).filter((name) => Fs.existsSync(Path.join(run.workersRoot, name)))

/** A seller on the basic plan, logged in with the fake TDLib's account, watching `orderGroup`. */
export const seedSeller = (run: TestRun, user: FakeUser) =>
  Effect.gen(function*() {
    const phone = phoneOf(user)
    const seller = yield* (yield* Users).getOrCreate({
      telegramUserId: user.id,
      firstName: user.first_name,
      lastName: null,
      username: null,
      languageCode: "pt-br"
    })
    yield* (yield* Subscriptions).grant(seller.id, { plan: "basic", expiresAt: null, overrides: {}, paymentReference: null, source: "admin" })
    yield* (yield* PriceTables).replace(seller.id, priceTable)
    yield* (yield* ActiveGroups).activate(seller.id, { groupId: orderGroup.id, title: orderGroup.title })
    yield* (yield* Sessions).register(seller.id, phone, "process")
    yield* (yield* Users).recordLogin(seller.id, { phoneNumber: phone, telegramAccountId: fakeAccountId })
    // What the fake TDLib keeps in its database once the account is logged in.
    const database = Path.join(accountFolder(run, phone), "database")
    Fs.mkdirSync(database, { recursive: true })
    Fs.writeFileSync(Path.join(database, "fake-td.json"), JSON.stringify({ authorized: true, userId: fakeAccountId }))
    return { user, phone } satisfies LoggedInSeller
  }).pipe(Effect.orDie)

/** The control plane's environment: the process runtime with fake TDLib workers that beat every second. */
export const controlEnvironment = (
  run: TestRun,
  api: FakeBotApi["Service"],
  services: { readonly databaseUrl: string; readonly redisUrl: string },
  extra: Readonly<Record<string, string>> = {}
) => ({
  BOT_TOKEN: api.token,
  BOT_API_ROOT: api.apiRoot,
  DATABASE_URL: services.databaseUrl,
  REDIS_URL: services.redisUrl,
  QUEUE_PREFIX: run.prefix,
  QUEUE_SWEEP_INTERVAL: "1 second",
  CONTAINER_RUNTIME: "process",
  TDL_DRIVER: "fake",
  SESSION_MASTER_KEY: "outage-tests-master-key",
  WORKER_DATA_DIR: run.workersRoot,
  WORKER_DEPLOYMENT: run.prefix,
  WORKER_HEARTBEAT_INTERVAL: "1",
  WORKER_SILENCE_THRESHOLD: "5 seconds",
  WORKER_CHECK_INTERVAL: "500 millis",
  WORKER_RESTART_BACKOFF: "500 millis",
  WORKER_ACCOUNTS_PER_PROCESS: String(run.accountsPerProcess),
  LOG_FORMAT: "json",
  ...extra
})

const pidIn = (run: TestRun, record: string) =>
  (JSON.parse(Fs.readFileSync(Path.join(run.workersRoot, record), "utf8")) as { readonly pid: number }).pid

/** The pid of the process running the account's worker now: its own, or (pooled) the run's one pool. */
export const workerPid = (run: TestRun, phone: PhoneNumber): number => {
  const [record, ...others] = records(run, [phone])
  if (record === undefined || others.length > 0) throw new Error(`no single worker process for the account: ${[record, ...others].join(", ")}`)
  return pidIn(run, record)
}

const isAlive = (pid: number) => Fs.existsSync(`/proc/${pid}`) && !Fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")

/** Whether the worker's fake TDLib answers on its side channel, logged in. */
const loggedIn = (run: TestRun, seller: LoggedInSeller) =>
  Effect.tryPromise(async () => {
    const port = Fs.readFileSync(Path.join(accountFolder(run, seller.phone), "fake-tdl.port"), "utf8").trim()
    const response = await fetch(`http://127.0.0.1:${port}/state`)
    return ((await response.json()) as { readonly authorizationState: string }).authorizationState === "authorizationStateReady"
  }).pipe(Effect.orElseSucceed(() => false))

/**
 * Waits until the seller's worker runs (another than `replaced`, when given), logged in, and publishes
 * `orderGroup`'s messages (its watched chats were pushed).
 */
export const awaitWatching = (run: TestRun, seller: LoggedInSeller, replaced?: number) =>
  Effect.gen(function*() {
    const file = Path.join(accountFolder(run, seller.phone), "watched-chats.json")
    const watching = yield* Effect.sync(() => Fs.existsSync(file) && Fs.readFileSync(file, "utf8").includes(String(orderGroup.id)))
    const pid = yield* Effect.sync(() => workerPid(run, seller.phone)).pipe(Effect.catchDefect(() => Effect.succeed(0)))
    return watching && pid !== 0 && pid !== replaced && isAlive(pid) && (yield* loggedIn(run, seller))
  }).pipe(
    Effect.repeat({ until: (ready) => ready, schedule: Schedule.spaced("200 millis") }),
    Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.die(new Error("the seller's worker never watched the group")) })
  )

/** A customer orders `quantity` pães de queijo in `orderGroup`. */
export const customerOrders = (run: TestRun, seller: LoggedInSeller, quantity: number) =>
  SellerScript.customerWrites(Path.dirname(accountFolder(run, seller.phone)), seller.phone, orderGroup.id, `${quantity} pão de queijo`)

const isReport = (message: BotMessage) => message.text.startsWith("🛒 Pedido")

/** The order reports the seller got so far, as the totals they name ("R$ 3,60"), in order. */
export const reportedTotals = (seller: LoggedInSeller) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    const reports = (yield* api.messagesIn(seller.user.id)).filter(isReport)
    // Reports waiting together go out as one message: every total in it counts.
    return reports.flatMap((report) => [...report.text.matchAll(/Total: (.+)/g)].map((match) => match[1]!))
  })

/** "R$ 3,60" for `quantity` pães de queijo, as a report writes it. */
export const totalOf = (quantity: number) => Money.format(Centavos.make(120 * quantity))

/** The value of a Prometheus sample whose name and labels include all of `labels`, if there is one. */
export const sample = (metrics: string, name: string, labels: Readonly<Record<string, string>>) =>
  metrics.split("\n")
    .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
    .map((line) => Number(line.split(" ").at(-1)))[0]

/** Waits until the seller got `count` order reports. */
export const awaitReports = (seller: LoggedInSeller, count: number, within: Duration.Input = "60 seconds") =>
  reportedTotals(seller).pipe(
    Effect.repeat({ until: (totals) => totals.length >= count, schedule: Schedule.spaced("250 millis") }),
    Effect.timeoutOrElse({
      duration: within,
      orElse: () =>
        Effect.flatMap(reportedTotals(seller), (totals) =>
          Effect.die(new Error(`expected ${count} reports within ${Duration.format(Duration.fromInputUnsafe(within))}, got ${totals.length}: ${totals.join(", ")}`)))
    })
  )

/** Workers outlive the control plane by design: a test stops what it started, and removes its queues' keys. */
export const cleanup = (run: TestRun, users: ReadonlyArray<FakeUser>) =>
  Effect.sync(() => {
    for (const record of records(run, users.map(phoneOf))) {
      const pid = pidIn(run, record)
      if (isAlive(pid)) process.kill(pid, "SIGKILL")
    }
    Fs.rmSync(run.workersRoot, { recursive: true, force: true })
  }).pipe(Effect.andThen(deleteRedisKeys(run.prefix)))
