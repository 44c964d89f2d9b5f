/**
 * E.164 phone numbers kept as digits only: the one value every name derived from
 * an account (queues, containers, volumes, folders) is built from, and its log mask.
 */
import { Effect, Schema } from "effect"

const digitsOnly = /^[1-9][0-9]{7,14}$/

/** A normalised E.164 number, digits only, no `+`: `5511912345678`. */
export const PhoneNumber = Schema.String.pipe(
  Schema.check(Schema.isPattern(digitsOnly, { expected: "an E.164 phone number, digits only" })),
  Schema.brand("PhoneNumber")
)
export type PhoneNumber = typeof PhoneNumber.Type

export class InvalidPhoneNumber extends Schema.TaggedError<InvalidPhoneNumber>()("InvalidPhoneNumber", {
  reason: Schema.Literals(["Empty", "InvalidCharacters", "TooShort", "TooLong", "InvalidCountryCode"]),
  message: Schema.String
}) {}

const messages: Record<InvalidPhoneNumber["reason"], string> = {
  Empty: "no phone number given",
  InvalidCharacters: "a phone number has only digits, spaces, dots, dashes, parentheses and a leading +",
  TooShort: "too few digits for a phone number with its country and area codes",
  TooLong: "more than the 15 digits of an international phone number",
  InvalidCountryCode: "a country code does not start with 0"
}

const invalid = (reason: InvalidPhoneNumber["reason"]) => new InvalidPhoneNumber({ reason, message: messages[reason] })

/**
 * Normalises what a person types (`+55 (11) 91234-5678`, `0055 11 …`, `55.11.91234.5678`)
 * into a `PhoneNumber`, or says (in English, for logs) what is wrong with it.
 */
export const normalize = (input: string): Effect.Effect<PhoneNumber, InvalidPhoneNumber> => {
  const trimmed = input.trim()
  if (trimmed === "") return Effect.fail(invalid("Empty"))
  if (!/^\+?[0-9\s.\-()]+$/.test(trimmed)) return Effect.fail(invalid("InvalidCharacters"))
  let digits = trimmed.replace(/[^0-9]/g, "")
  if (digits === "") return Effect.fail(invalid("Empty"))
  // International call prefix typed instead of `+`.
  if (!trimmed.startsWith("+") && digits.startsWith("00")) digits = digits.slice(2)
  if (digits.startsWith("0")) return Effect.fail(invalid("InvalidCountryCode"))
  if (digits.length < 8) return Effect.fail(invalid("TooShort"))
  if (digits.length > 15) return Effect.fail(invalid("TooLong"))
  return Effect.succeed(digits as PhoneNumber)
}

/** `+5511912345678`: the canonical printable form, which `normalize` reads back. */
export const format = (phone: PhoneNumber): string => `+${phone}`

const countryCodes = new Set([
  "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
  "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
  "86", "90", "91", "92", "93", "94", "95", "98"
])

/** The country calling code: the known one- or two-digit codes, else the first three digits. */
export const countryCode = (phone: PhoneNumber): string =>
  countryCodes.has(phone.slice(0, 1)) ? phone.slice(0, 1) : countryCodes.has(phone.slice(0, 2)) ? phone.slice(0, 2) : phone.slice(0, 3)

/** For logs: country code and last four digits, `+55 *******5678`. */
export const mask = (phone: PhoneNumber): string => {
  const cc = countryCode(phone)
  const rest = phone.slice(cc.length)
  return `+${cc} ${"*".repeat(Math.max(0, rest.length - 4))}${rest.slice(-4)}`
}
