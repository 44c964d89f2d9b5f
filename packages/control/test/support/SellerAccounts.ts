/**
 * A seller ready to receive orders, for the event and purchase tests: a plan, a price table, an active group,
 * a session for a fresh phone number, and a scripted worker on that number's queues.
 */
import type { Plan } from "@vigia/domain/Plan"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Effect, Schema } from "effect"
import * as Crypto from "node:crypto"
import { type ActiveGroup, ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import type { User } from "../../src/data/Users.ts"
import { answering, randomPhone, type Script, type ScriptedWorker, startWorker } from "./ScriptedWorker.ts"
import { newSeller } from "./Sellers.ts"

/** 2 × 9,50 + 3 × 1,20 = R$ 22,60 for "2x coca 2l, 3 pão de queijo". */
export const priceTable = PriceTableParser.parse(`
Coca-Cola 2L = 9,50
Pão de queijo = 1,20
Pastel de carne = 7,00
Carne moída = 39,90 / kg
`).items

/** A supergroup id (below -10^12), fresh for each seller. */
export const randomSupergroup = (): number => -1_002_000_000_000 - Crypto.randomInt(1, 999_999_999)

/** A TDLib message id: the server's id shifted left by 20 bits. */
export const tdlibMessageId = (serverId: number): number => serverId * 2 ** 20

export interface SellerAccount {
  readonly user: User
  readonly phone: PhoneNumber
  readonly group: ActiveGroup
  readonly worker: ScriptedWorker
}

/** A seller on `plan` with the table above, one active supergroup, and a session (no worker behind it). */
export const sellerWithoutWorker = (plan: Plan) =>
  Effect.gen(function*() {
    const user = yield* newSeller(plan)
    const phone = randomPhone()
    yield* (yield* PriceTables).replace(user.id, priceTable)
    const group = yield* (yield* ActiveGroups).activate(user.id, { groupId: randomSupergroup(), title: "Feira de Sábado" })
    yield* (yield* Sessions).register(user.id, phone, "process")
    return { user, phone, group } satisfies Omit<SellerAccount, "worker">
  })

/** A seller on `plan` with the table above, one active supergroup, and a session whose worker answers by `script`. */
export const sellerAccount = (plan: Plan, script: Script = answering({})) =>
  Effect.gen(function*() {
    const seller = yield* sellerWithoutWorker(plan)
    const worker = yield* startWorker(seller.phone, yield* (yield* SessionKeys).boxFor(seller.phone), script)
    return { ...seller, worker } satisfies SellerAccount
  })

let nextServerId = 1

/** A customer's message in `chatId`, with a fresh message id. */
export const customerMessage = (chatId: number, text: string) =>
  new Messages.NewMessage({
    chatId,
    messageId: tdlibMessageId(nextServerId++),
    senderId: 900_000_001,
    senderName: "Carlos Cliente",
    text,
    date: 1_750_000_000
  })

/** Publishes `update` on the account's updates queue, as its worker would (without the worker's deduplication). */
export const publish = (phone: PhoneNumber, update: Messages.Update) =>
  Effect.gen(function*() {
    const message = yield* Messages.updateMessage(phone, update)
    yield* Effect.orDie((yield* Queue).send(QueueNames.updatesQueue(phone), Messages.UpdateMessage, message))
  })

/** Publishes data that is not an update message at all, as a broken worker might. */
export const publishRaw = (phone: PhoneNumber, data: unknown) =>
  Effect.gen(function*() {
    yield* Effect.orDie((yield* Queue).send(QueueNames.updatesQueue(phone), Schema.Unknown, data))
  })
