import { assert, describe, it } from "@effect/vitest"
import { parseCommand } from "../../src/bot/BotRouter.ts"
import { findGroup } from "../../src/bot/features/GroupsMenu.ts"

describe("reading what a seller typed", () => {
  it.each([
    ["/start", { name: "start", args: "" }],
    ["/ativar Feira de Sábado", { name: "ativar", args: "Feira de Sábado" }],
    ["/ATIVAR@vigia_bot  -100123 ", { name: "ativar", args: "-100123" }],
    ["/admin_plano 123 basic 30", { name: "admin_plano", args: "123 basic 30" }]
  ])("%j is a command", (text, expected) => {
    assert.deepStrictEqual(parseCommand(text), expected)
  })

  it.each(["oi", "1 2 3 4 5", " / start", ""])("%j is not a command", (text) => {
    assert.isUndefined(parseCommand(text))
  })

  const groups = [
    { id: -100201, title: "Feira de Sábado" },
    { id: -100202, title: "Feira da Lua" },
    { id: -4001, title: "Doces" }
  ]

  it("finds a group by id, by its whole title or by a unique part of it, ignoring case and accents", () => {
    assert.deepStrictEqual(findGroup(groups, "-4001"), { _tag: "Found", group: groups[2]! })
    assert.deepStrictEqual(findGroup(groups, "feira de sabado"), { _tag: "Found", group: groups[0]! })
    assert.deepStrictEqual(findGroup(groups, "LUA"), { _tag: "Found", group: groups[1]! })
  })

  it("says when a name matches several groups or none", () => {
    assert.deepStrictEqual(findGroup(groups, "feira"), { _tag: "Ambiguous", titles: ["Feira de Sábado", "Feira da Lua"] })
    assert.deepStrictEqual(findGroup(groups, "marmitas"), { _tag: "NotFound" })
  })
})
