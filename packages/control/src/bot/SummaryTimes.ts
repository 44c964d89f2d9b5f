/**
 * The times of the daily summary, as a seller writes and reads them: the hour after `/resumo` (`20h`, `20`, `20:00`,
 * `20h30`) or the word that turns it off, a time zone after `/fuso` (an IANA name, checked by `Intl`), and which day a
 * summary sent on a given day covers (an evening summary today's orders, a morning one yesterday's).
 */
import { Option } from "effect"
import type { Day } from "../data/DailySummaries.ts"
import type { TimeOfDay } from "../data/SellerSettings.ts"
import { addDays } from "./OrderPeriods.ts"

/** What follows `/resumo`. */
export type SummaryRequest =
  | { readonly _tag: "Show" }
  | { readonly _tag: "Off" }
  | { readonly _tag: "At"; readonly at: TimeOfDay }
  | { readonly _tag: "Invalid" }

const offWords: ReadonlySet<string> = new Set(["desligar", "desliga", "desligado", "off", "nao", "parar", "cancelar"])

/** `20h`, `20`, `20:00`, `20h30`, `8h`, `08:30`, `20 h`, `20hs`. */
const timePattern = /^([0-9]{1,2})(?:(?:h|hs|:)([0-9]{2})?h?)?$/

export const parseRequest = (text: string): SummaryRequest => {
  const folded = text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, "")
  if (folded === "") return { _tag: "Show" }
  if (offWords.has(folded)) return { _tag: "Off" }
  const match = timePattern.exec(folded)
  if (match === null || folded.endsWith(":")) return { _tag: "Invalid" }
  const hour = Number(match[1])
  const minute = Number(match[2] ?? "0")
  return hour <= 23 && minute <= 59 ? { _tag: "At", at: { hour, minute } } : { _tag: "Invalid" }
}

/** `20h`, `8h30`. */
export const formatTime = (at: TimeOfDay) => `${at.hour}h${at.minute === 0 ? "" : String(at.minute).padStart(2, "0")}`

/** Summaries sent before noon cover the day before. */
export const coversYesterday = (at: TimeOfDay) => at.hour < 12

/** The day a summary sent on `localDay` (the seller's today) covers. */
export const coveredDay = (localDay: Day, at: TimeOfDay): Day => (coversYesterday(at) ? addDays(localDay, -1) : localDay)

/** The IANA time zone `text` names, spelled as `Intl` spells it (`america/manaus` is `America/Manaus`); none if unknown. */
export const timeZoneOf = (text: string): Option.Option<string> => {
  const name = text.trim()
  // Only region names: a fixed offset or an abbreviation would drift from what the seller means.
  if (!/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$/.test(name) && name.toUpperCase() !== "UTC") return Option.none()
  return Option.liftThrowable(() => new Intl.DateTimeFormat("pt-BR", { timeZone: name }).resolvedOptions().timeZone)()
}
