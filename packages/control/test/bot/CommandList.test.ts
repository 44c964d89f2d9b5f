import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Texts from "../../src/bot/Texts.ts"

const readme = Fs.readFileSync(Path.join(import.meta.dirname, "../../../../README.md"), "utf8")

/** Every `/command` named in the first column of the README's command tables. */
const documented = (section: string) =>
  new Set(
    section.split("\n")
      .filter((line) => line.startsWith("| `/"))
      .flatMap((line) => [...line.split(" | ")[0]!.matchAll(/`\/([a-z_]+)/g)].map((match) => match[1]!))
  )

const commandsSection = readme.slice(readme.indexOf("### Commands"), readme.indexOf("\n## ", readme.indexOf("### Commands")))

describe("the README's command tables and the bot's /ajuda", () => {
  it("name the same commands", () => {
    const listed = new Set([...Texts.commandList, ...Texts.adminCommandList].map((entry) => entry.command))
    assert.deepStrictEqual([...documented(commandsSection)].sort(), [...listed].sort())
  })
})
