/**
 * Calendar days as the order history reads them (`YYYY-MM-DD` in the seller's time zone), and the periods
 * `/exportar` takes: today, the last N days, or two dates (`01/11 30/11`, `2026-11-01 2026-11-30`).
 */
import { Result } from "effect"

/** The longest period `/exportar` takes, in days. */
export const maxDays = 366

/** Days, both included. */
export interface Days {
  readonly first: string
  readonly last: string
}

/** Why a period does not read: nothing a period is made of, a date that does not exist, the dates reversed, too long. */
export type PeriodProblem = "Unreadable" | "NoSuchDate" | "Reversed" | "TooLong"

const pad = (value: number, width = 2) => String(value).padStart(width, "0")

const fromUtc = (date: Date) => `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`

/** The day `day` is in UTC's calendar, for arithmetic (a calendar day has no time zone). */
const utcOf = (day: string) => new Date(`${day}T00:00:00Z`)

/** The day it is at `now` in `timeZone`. */
export const dayAt = (now: Date, timeZone: string): string => {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now)
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? ""
  return `${part("year")}-${part("month")}-${part("day")}`
}

/** `14:05`: the time of `date` in `timeZone`. */
export const timeAt = (date: Date, timeZone: string): string =>
  new Intl.DateTimeFormat("pt-BR", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date)

export const addDays = (day: string, days: number): string => fromUtc(new Date(utcOf(day).getTime() + days * 86_400_000))

/** How many days from `first` to `last`, both included. */
export const length = (days: Days): number => Math.round((utcOf(days.last).getTime() - utcOf(days.first).getTime()) / 86_400_000) + 1

/** `30/11/2026`. */
export const display = (day: string): string => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`

/** `20261130`: a day in callback data. */
export const compact = (day: string): string => day.replace(/-/g, "")

/** The day a `compact` one is, if it is one. */
export const fromCompact = (text: string): string | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text)
  return match === null ? undefined : existing(Number(match[1]), Number(match[2]), Number(match[3]))
}

/** The day, if the calendar has it (no 31/02). */
const existing = (year: number, month: number, day: number): string | undefined => {
  if (year < 2000 || year > 9999) return undefined
  const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}`
  return fromUtc(utcOf(text)) === text ? text : undefined
}

const datePattern = /^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?)$/

/** A date as typed: `2026-11-01`, `01/11/2026`, `01/11/26`, or `01/11` (the latest 1st of November up to today). */
const readDate = (text: string, today: string): Result.Result<string, PeriodProblem> => {
  const match = datePattern.exec(text)
  if (match === null) return Result.fail("Unreadable")
  const [, isoYear, isoMonth, isoDay, day = "", month = "", year] = match
  if (isoYear !== undefined) return Result.fromNullishOr(existing(Number(isoYear), Number(isoMonth), Number(isoDay)), () => "NoSuchDate" as const)
  if (year !== undefined) {
    const full = year.length === 2 ? 2000 + Number(year) : Number(year)
    return Result.fromNullishOr(existing(full, Number(month), Number(day)), () => "NoSuchDate" as const)
  }
  const thisYear = Number(today.slice(0, 4))
  const candidate = existing(thisYear, Number(month), Number(day)) ?? existing(thisYear - 1, Number(month), Number(day))
  if (candidate === undefined) return Result.fail("NoSuchDate")
  return Result.succeed(candidate > today ? existing(thisYear - 1, Number(month), Number(day)) ?? candidate : candidate)
}

/**
 * The days `/exportar`'s arguments name, on `today`: none is today, a number N the last N days (today included), one
 * date that day, two dates the days from the first to the second.
 */
export const parse = (args: string, today: string): Result.Result<Days, PeriodProblem> => {
  const words = args.trim().split(/\s+(?:(?:até|ate|a|-)\s+)?/i).filter((word) => word !== "")
  if (words.length === 0) return Result.succeed({ first: today, last: today })
  const [first = "", second] = words
  if (words.length === 1 && /^\d+$/.test(first)) {
    const count = Number(first)
    if (count < 1) return Result.fail("Unreadable")
    return count > maxDays ? Result.fail("TooLong") : Result.succeed({ first: addDays(today, 1 - count), last: today })
  }
  if (words.length > 2) return Result.fail("Unreadable")
  return Result.gen(function*() {
    const from = yield* readDate(first, today)
    const to = second === undefined ? from : yield* readDate(second, today)
    if (to < from) return yield* Result.fail("Reversed" as const)
    return length({ first: from, last: to }) > maxDays ? yield* Result.fail("TooLong" as const) : { first: from, last: to }
  })
}
