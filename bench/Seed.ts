/**
 * Sellers and accounts put into a bench database through the control plane's own data layer (the built
 * `@vigia/control` services), as the bot's flows would leave them: a seller on the basic plan with a price table,
 * an active group, a logged-in account and a session meant to run; or a bare account whose session is meant to run.
 */
import { ActiveGroups } from "@vigia/control/data/ActiveGroups"
import { AuditLog } from "@vigia/control/data/AuditLog"
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import { Database } from "@vigia/control/data/Database"
import * as Migrations from "@vigia/control/data/Migrations"
import { PriceTables } from "@vigia/control/data/PriceTables"
import { Sessions } from "@vigia/control/data/Sessions"
import { Subscriptions } from "@vigia/control/data/Subscriptions"
import type { UserId } from "@vigia/control/data/UserId"
import { Users } from "@vigia/control/data/Users"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import { Effect, Layer, type Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** The fake TDLib's account (`FAKE_TDL_SCRIPT`): the sellers' group is one of its chats. */
export const sellersGroup = { id: -1002001009001, kind: "supergroup", title: "Feira de Sábado" } as const
export const fakeScript = {
  chats: [
    { id: 700000002, kind: "private", title: "Carlos Cliente" },
    sellersGroup,
    { id: -4001001001, kind: "basicGroup", title: "Pedidos Vila Mariana" }
  ]
}
/** The fake account's own Telegram id (`me` of the default script). */
const fakeAccountId = 700000001

const priceTable = PriceTableParser.parse(`
Coca-Cola 2L = 9,50
Guaraná Antarctica 2L = 8,00
Pão de queijo = 1,20 / un
Pastel de carne = 7,00
Pastel de queijo = 6,50
Coxinha = 5,00
Empada de frango = 6,00
Carne moída = 39,90 / kg
Picanha = 79,90 / kg
Queijo minas = 42,00 / kg
Ovos brancos = 12,00 / dz
Leite integral = 5,49 / l
Arroz branco 5kg = 27,90
Feijão carioca 1kg = 8,99
Café torrado 500g = 18,50
`).items

/** Customers' orders, each priced against the table above (every one is reported to the seller). */
export const orders = [
  "Bom dia! 2x coca 2L\n3 pão de queijo",
  "1kg de carne moída e 2 coxinhas",
  "quero 2 pastel de carne, 1 pastel de queijo",
  "meia dúzia de ovos brancos\n2 leite integral",
  "500g de picanha",
  "3 coxinhas e 1 guaraná 2L por favor",
  "1 arroz branco 5kg, 2 feijão carioca",
  "2 empadas de frango",
  "1 café torrado",
  "300g queijo minas"
] as const

/** The control plane's data services over the database at `url`, migrated. */
export const dataLayer = (url: Redacted.Redacted<string>) =>
  Layer.mergeAll(Users.layer, Subscriptions.layer, ActiveGroups.layer, PriceTables.layer, Sessions.layer).pipe(
    Layer.provideMerge(AuditLog.layer),
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(Database.layerWith({ url, poolSize: 8, startupTimeout: "10 seconds" }))
  )

/** Telegram user ids of the bench's sellers: the seller's private chat with the bot has the same id. */
export const telegramUserId = (index: number) => 6_100_000_000 + index

const newUser = (index: number, phone: PhoneNumber) =>
  Effect.gen(function*() {
    const users = yield* Users
    const user = yield* users.getOrCreate({
      telegramUserId: telegramUserId(index),
      firstName: `Vendedora ${index}`,
      lastName: null,
      username: null,
      languageCode: "pt-br"
    })
    yield* users.recordLogin(user.id, { phoneNumber: phone, telegramAccountId: fakeAccountId })
    return user.id
  })

/** An account whose session is meant to run (process runtime), as after its login; nothing else. */
export const account = (index: number, phone: PhoneNumber) =>
  Effect.gen(function*() {
    const userId = yield* newUser(index, phone)
    yield* (yield* Sessions).register(userId, phone, "process")
    return userId
  })

/** A seller on the basic plan with the table, the group active, and a logged-in account meant to run. */
export const seller = (index: number, phone: PhoneNumber) =>
  Effect.gen(function*() {
    const userId: UserId = yield* newUser(index, phone)
    yield* (yield* Subscriptions).grant(userId, {
      plan: "basic",
      expiresAt: null,
      overrides: {},
      paymentReference: null,
      source: "admin"
    })
    yield* (yield* PriceTables).replace(userId, priceTable)
    yield* (yield* ActiveGroups).activate(userId, { groupId: sellersGroup.id, title: sellersGroup.title })
    yield* (yield* Sessions).register(userId, phone, "process")
    return userId
  })

/** The fake TDLib of `phone` is logged in (a finished login leaves this), in the process runtime's data folder. */
export const preAuthorize = (workerDataDir: string, phone: PhoneNumber) =>
  Effect.sync(() => {
    const database = Path.join(workerDataDir, ContainerNames.volumeName(phone), phone, "database")
    Fs.mkdirSync(database, { recursive: true })
    Fs.writeFileSync(Path.join(database, "fake-td.json"), JSON.stringify({ authorized: true, userId: fakeAccountId }))
  })
