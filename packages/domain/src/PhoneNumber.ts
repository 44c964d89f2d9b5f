/**
 * E.164 phone numbers kept as digits only: the one value every name derived from an account (queues, containers,
 * volumes, folders) is built from, read from what a person types by the country's numbering plan, and its log mask.
 */
import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength } from "libphonenumber-js/max"
import { Effect, Schema } from "effect"

const digitsOnly = /^[1-9][0-9]{7,14}$/

/** A normalised E.164 number, digits only, no `+`: `5511912345678`. */
export const PhoneNumber = Schema.String.pipe(
  Schema.check(Schema.isPattern(digitsOnly, { expected: "an E.164 phone number, digits only" })),
  Schema.brand("PhoneNumber")
)
export type PhoneNumber = typeof PhoneNumber.Type

/** A region of the numbering plans (ISO 3166-1 alpha-2, upper case): `BR`, `PT`, `US`. */
export const Region = Schema.String.pipe(
  Schema.refine(isSupportedCountry, { expected: "a two-letter region code of a numbering plan, such as BR" })
)
export type Region = typeof Region.Type

export class InvalidPhoneNumber extends Schema.TaggedError<InvalidPhoneNumber>()("InvalidPhoneNumber", {
  reason: Schema.Literals(["Empty", "InvalidCharacters", "TooShort", "TooLong", "InvalidCountryCode", "NotInUse"]),
  message: Schema.String
}) {}

const messages: Record<InvalidPhoneNumber["reason"], string> = {
  Empty: "no phone number given",
  InvalidCharacters: "a phone number has only digits, spaces, dots, dashes, parentheses and a leading +",
  TooShort: "too few digits for a phone number of its country",
  TooLong: "too many digits for a phone number of its country",
  InvalidCountryCode: "no country has this calling code",
  NotInUse: "the digits fit no number range of its country's numbering plan"
}

const invalid = (reason: InvalidPhoneNumber["reason"]) => new InvalidPhoneNumber({ reason, message: messages[reason] })

/** The characters a person writes a number with; anything else is not a phone number. */
const written = /^\+?[0-9\s.\-()]+$/

/** `00` typed instead of `+` (the international call prefix of most countries). */
const international = (trimmed: string) => trimmed.startsWith("00") ? `+${trimmed.slice(2)}` : trimmed

/**
 * Reads what a person types (`+55 (11) 91234-5678`, `0055 11 …`, `11 91234-5678`) by the numbering plan of its
 * country: a number without its country code belongs to `defaultRegion`. Only a number the plan can assign is
 * accepted (`+55 11 1234` is not); what is wrong is said in English, for logs.
 */
export const parse = (input: string, defaultRegion: Region): Effect.Effect<PhoneNumber, InvalidPhoneNumber> => {
  const trimmed = input.trim()
  if (trimmed.replace(/[\s.\-()+]/g, "") === "") return Effect.fail(invalid("Empty"))
  if (!written.test(trimmed)) return Effect.fail(invalid("InvalidCharacters"))
  const text = international(trimmed)
  switch (validatePhoneNumberLength(text, defaultRegion)) {
    case undefined:
      break
    case "INVALID_COUNTRY":
      return Effect.fail(invalid("InvalidCountryCode"))
    case "NOT_A_NUMBER":
      return Effect.fail(invalid("InvalidCharacters"))
    case "TOO_LONG":
      return Effect.fail(invalid("TooLong"))
    case "TOO_SHORT":
    case "INVALID_LENGTH":
      return Effect.fail(invalid("TooShort"))
  }
  const parsed = parsePhoneNumberFromString(text, defaultRegion)
  if (parsed === undefined || !parsed.isValid()) return Effect.fail(invalid("NotInUse"))
  return Effect.succeed(parsed.number.slice(1) as PhoneNumber)
}

/**
 * Normalises an E.164 number a program or an operator writes (`+55 11 91234-5678`, `5511912345678`), with its
 * country code, into a `PhoneNumber`; unlike `parse` it does not judge the number by its country's plan.
 */
export const normalize = (input: string): Effect.Effect<PhoneNumber, InvalidPhoneNumber> => {
  const trimmed = input.trim()
  if (trimmed === "") return Effect.fail(invalid("Empty"))
  if (!written.test(trimmed)) return Effect.fail(invalid("InvalidCharacters"))
  let digits = trimmed.replace(/[^0-9]/g, "")
  if (digits === "") return Effect.fail(invalid("Empty"))
  // International call prefix typed instead of `+`.
  if (!trimmed.startsWith("+") && digits.startsWith("00")) digits = digits.slice(2)
  if (digits.startsWith("0")) return Effect.fail(invalid("InvalidCountryCode"))
  if (digits.length < 8) return Effect.fail(invalid("TooShort"))
  if (digits.length > 15) return Effect.fail(invalid("TooLong"))
  return Effect.succeed(digits as PhoneNumber)
}

/** `+5511912345678`: the canonical printable form, which `normalize` and `parse` read back. */
export const format = (phone: PhoneNumber): string => `+${phone}`

/** The country calling code, by the numbering plans; the first three digits for a code no plan has. */
export const countryCode = (phone: PhoneNumber): string =>
  parsePhoneNumberFromString(format(phone))?.countryCallingCode ?? phone.slice(0, 3)

/** For logs: country code and last four digits, `+55 *******5678`. */
export const mask = (phone: PhoneNumber): string => {
  const cc = countryCode(phone)
  const rest = phone.slice(cc.length)
  return `+${cc} ${"*".repeat(Math.max(0, rest.length - 4))}${rest.slice(-4)}`
}
