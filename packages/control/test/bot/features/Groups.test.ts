import { assert, describe, it } from "@effect/vitest"
import { findGroup } from "../../../src/bot/features/Groups.ts"

describe("finding the group a seller means", () => {
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
