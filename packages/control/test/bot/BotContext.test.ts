import { assert, describe, it } from "@effect/vitest"
import { Api, Context } from "grammy"
import { argumentsOf, commandOf } from "../../src/bot/BotContext.ts"
import { me } from "../support/BotContexts.ts"

/** A private message as Telegram delivers it: a command gets its `bot_command` entity. */
const message = (text: string) => {
  const command = /^\/\S+/.exec(text)
  return new Context({
    update_id: 1,
    message: {
      message_id: 1,
      date: 0,
      chat: { id: 5, type: "private", first_name: "Ana" },
      from: { id: 5, is_bot: false, first_name: "Ana" },
      text,
      ...(command === null ? {} : { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] })
    }
  }, new Api("0:token"), me)
}

describe("reading a seller's command", () => {
  it.each([
    ["/start", "start", ""],
    ["/ativar Feira de Sábado", "ativar", "Feira de Sábado"],
    ["/ativar@vigia_test_bot  -100123 ", "ativar", "-100123"],
    ["/admin_plano 123 basic 30", "admin_plano", "123 basic 30"]
  ])("%j is the command %j, as grammY's own filter reads it", (text, name, args) => {
    const ctx = message(text)
    assert.strictEqual(commandOf(ctx), name)
    assert.isTrue(Context.has.command(name)(ctx))
    assert.strictEqual(argumentsOf(ctx), args)
  })

  it.each(["oi", "1 2 3 4 5", " / start", ""])("%j is not a command", (text) => {
    assert.isUndefined(commandOf(message(text)))
  })
})
