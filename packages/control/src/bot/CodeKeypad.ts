/**
 * The inline digit keypad a seller can type their login code on, so the code never travels
 * as a plain Telegram message (which would make Telegram cancel it).
 */
import type { InlineKeyboardMarkup } from "grammy/types"

/** Callback data prefix of the keypad's buttons. */
export const prefix = "kp:"

export type Press =
  | { readonly _tag: "Digit"; readonly digit: string }
  | { readonly _tag: "Erase" }
  | { readonly _tag: "Submit" }

const button = (text: string, data: string) => ({ text, callback_data: `${prefix}${data}` })

export const markup: InlineKeyboardMarkup = {
  inline_keyboard: [
    [button("1", "1"), button("2", "2"), button("3", "3")],
    [button("4", "4"), button("5", "5"), button("6", "6")],
    [button("7", "7"), button("8", "8"), button("9", "9")],
    [button("⌫", "erase"), button("0", "0"), button("✅ Enviar", "submit")]
  ]
}

/** Reads a keypad button's callback data; anything else is not a press. */
export const parse = (data: string): Press | undefined => {
  if (!data.startsWith(prefix)) return undefined
  const value = data.slice(prefix.length)
  if (/^[0-9]$/.test(value)) return { _tag: "Digit", digit: value }
  if (value === "erase") return { _tag: "Erase" }
  if (value === "submit") return { _tag: "Submit" }
  return undefined
}

/** The digits after a press; a code is never longer than `maxLength`. */
export const apply = (digits: string, press: Press, maxLength: number): string =>
  press._tag === "Digit"
    ? digits.length < maxLength ? digits + press.digit : digits
    : press._tag === "Erase"
    ? digits.slice(0, -1)
    : digits
