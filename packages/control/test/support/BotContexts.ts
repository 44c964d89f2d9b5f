/**
 * grammY contexts as the bot's middleware sees them, built without a Bot API server: for tests of what the bot reads
 * from an update (its command, what it asks of the guard).
 */
import { Api, Context } from "grammy"
import type { Update, UserFromGetMe } from "grammy/types"
import type { BotContext } from "../../src/bot/BotContext.ts"
import type { Step } from "../../src/data/Conversations.ts"

/** The bot, as `getMe` describes it. */
export const me: UserFromGetMe = {
  id: 7_000_000_001,
  is_bot: true,
  first_name: "Vigia",
  username: "vigia_test_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false
}

/** The context of `update`, with the step its message answers when the middleware loaded one. */
export const contextOf = (update: Omit<Update, "update_id">, step?: Step): BotContext => {
  const ctx = new Context({ update_id: 1, ...update }, new Api("0:token"), me) as BotContext
  if (step !== undefined) ctx.step = step
  return ctx
}
