import { assert, describe, it } from "@effect/vitest"
import * as CodeKeypad from "../../src/bot/CodeKeypad.ts"
import { codeDigits } from "../../src/bot/features/LoginSteps.ts"

describe("the login code keypad", () => {
  it("reads every button it shows, and nothing else", () => {
    const buttons = CodeKeypad.markup.inline_keyboard.flat().map((button) => "callback_data" in button ? button.callback_data : "")
    assert.lengthOf(buttons, 12)
    for (const data of buttons) assert.isDefined(CodeKeypad.parse(data), data)
    assert.isUndefined(CodeKeypad.parse("kp:x"))
    assert.isUndefined(CodeKeypad.parse("gr:t:1"))
  })

  it("types, erases and caps the code at its length", () => {
    const press = (digits: string, data: string) => CodeKeypad.apply(digits, CodeKeypad.parse(data)!, 5)
    const typed = ["kp:1", "kp:2", "kp:3", "kp:erase", "kp:4", "kp:5", "kp:6", "kp:7", "kp:8"].reduce(press, "")
    assert.strictEqual(typed, "12456")
    assert.strictEqual(press("", "kp:erase"), "")
    assert.strictEqual(press("123", "kp:submit"), "123")
  })

  it.each([
    ["1 2 3 4 5", "12345"],
    ["1-2-3-4-5", "12345"],
    ["1a2b3c4d5", "12345"],
    ["código: 1.2.3.4.5", "12345"],
    ["sem números", ""]
  ])("reads the digits a person typed in %j", (typed, digits) => {
    assert.strictEqual(codeDigits(typed), digits)
  })
})
