/**
 * Orders injected into the pipeline and matched to their reports: customers write through each worker's fake-TDLib
 * side channel, and an order arrives when a message to its seller carries its link (one message may carry several).
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as ContainerNames from "@vigia/control/sessions/runtimes/ContainerNames"
import { Effect } from "effect"
import * as Http from "node:http"
import * as Path from "node:path"
import type { Arrival } from "./BotApiTap.ts"
import { waitUntil } from "./Environment.ts"
import * as Seed from "./Seed.ts"

export interface Account {
  readonly index: number
  readonly phone: PhoneNumber
  /** The seller's private chat with the bot: where the quote goes. */
  readonly chatId: number
  port: number
}

/** TDLib's message ids are the server's ids shifted left by 20 bits; the quote's link carries the server's id. */
const serverIdFactor = 2 ** 20
const linkPattern = /https:\/\/t\.me\/c\/\d+\/(\d+)/g

/** Injections and quote arrivals, matched by the seller's chat and the message's server id. */
export const matcher = () => {
  const injected = new Map<string, { readonly at: number; readonly phase: string }>()
  const arrived = new Map<string, number>()
  const latencies = new Map<string, Array<number>>()
  const arrivals = new Map<string, Array<number>>()
  /** Injections whose side channel has not answered yet, by phase. */
  const inFlight = new Map<string, number>()
  let failures = 0
  const match = (key: string) => {
    const injection = injected.get(key)
    const at = arrived.get(key)
    if (injection === undefined || at === undefined) return
    injected.delete(key)
    arrived.delete(key)
    const phase = latencies.get(injection.phase) ?? []
    phase.push(at - injection.at)
    latencies.set(injection.phase, phase)
    const times = arrivals.get(injection.phase) ?? []
    times.push(at)
    arrivals.set(injection.phase, times)
  }
  return {
    sending: (phase: string) => void inFlight.set(phase, (inFlight.get(phase) ?? 0) + 1),
    answered: (phase: string) => void inFlight.set(phase, (inFlight.get(phase) ?? 0) - 1),
    injectedAs: (key: string, at: number, phase: string) => (injected.set(key, { at, phase }), match(key)),
    /** A message to a seller: every order it reports (several when they waited together) arrived with it. */
    arrival: (arrival: Arrival) => {
      for (const link of arrival.text.matchAll(linkPattern)) {
        const key = `${arrival.chatId}:${link[1]}`
        arrived.set(key, arrival.at)
        match(key)
      }
    },
    failed: () => void (failures += 1),
    failures: () => failures,
    latencies: (phase: string) => latencies.get(phase) ?? [],
    arrivals: (phase: string) => arrivals.get(phase) ?? [],
    /** Orders of `phase` being injected, or injected and not yet quoted. */
    waiting: (phase: string) =>
      (inFlight.get(phase) ?? 0) + [...injected.values()].filter((injection) => injection.phase === phase).length
  }
}
export type Matcher = ReturnType<typeof matcher>

export const portFile = (dataDir: string, phone: PhoneNumber) =>
  Path.join(dataDir, ContainerNames.volumeName(phone), phone, "fake-tdl.port")

/** Kept-alive connections to the workers' side channels (plain `http`: lighter than `fetch` for the injector). */
const agent = new Http.Agent({ keepAlive: true, maxSockets: 16 })

/**
 * POSTs JSON to 127.0.0.1:`port` and resolves with the answer's JSON, or undefined when it failed. A request that
 * failed before any answer is sent once more: a kept-alive connection the server had just closed fails that way.
 */
const postJson = (port: number, path: string, body: unknown, retries = 1): Promise<unknown> =>
  new Promise<unknown>((resolve) => {
    const payload = JSON.stringify(body)
    let answered = false
    const request = Http.request({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
    }, (response) => {
      answered = true
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve(response.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown : undefined))
      response.on("error", () => resolve(undefined))
    })
    request.on("error", () => resolve(!answered && retries > 0 ? postJson(port, path, body, retries - 1) : undefined))
    request.end(payload)
  })

/** A customer writes `text` in the seller's group, through the account's fake TDLib; resolves when it answered. */
export const inject = (matched: Matcher, account: Account, text: string, phase: string): Promise<void> => {
  const at = performance.now()
  matched.sending(phase)
  return postJson(account.port, "/messages", { chatId: Seed.sellersGroup.id, text, senderUserId: 700000002 }).then((answer) => {
    matched.answered(phase)
    const messageId = (answer as { readonly messageId?: number } | undefined)?.messageId
    if (messageId === undefined) return matched.failed()
    matched.injectedAs(`${account.chatId}:${messageId / serverIdFactor}`, at, phase)
  })
}

export const order = (sequence: number) => Seed.orders[sequence % Seed.orders.length] ?? Seed.orders[0]

/** `rate` orders a second for `seconds`, round robin over the accounts, on a 1 ms timer (fire and forget). */
export const injectAtRate = (matched: Matcher, accounts: ReadonlyArray<Account>, rate: number, seconds: number, phase: string) =>
  Effect.promise(() =>
    new Promise<number>((resolve) => {
      const total = Math.round(rate * seconds)
      const started = performance.now()
      let sent = 0
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000))
        for (; sent < due; sent++) void inject(matched, accounts[sent % accounts.length] as Account, order(sent), phase)
        if (sent >= total) {
          clearInterval(timer)
          resolve(total / ((performance.now() - started) / 1000))
        }
      }, 1)
    })
  )

/** `count` orders as fast as the workers take them, `inFlight` injections at a time; the injection rate. */
export const injectAllAtOnce = (matched: Matcher, accounts: ReadonlyArray<Account>, count: number, inFlight: number, phase: string) =>
  Effect.promise(async () => {
    const started = performance.now()
    let next = 0
    const lane = async () => {
      while (next < count) {
        const sequence = next++
        await inject(matched, accounts[sequence % accounts.length] as Account, order(sequence), phase)
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
    return { startedAt: started, rate: count / ((performance.now() - started) / 1000) }
  })

/** Waits until every order of `phase` was quoted, or `within` ms passed. */
export const drained = (matched: Matcher, phase: string, within: number) =>
  waitUntil(`the ${phase} orders' quotes`, Effect.sync(() => matched.waiting(phase) === 0), within, 50).pipe(
    Effect.catch(() => Effect.void)
  )
