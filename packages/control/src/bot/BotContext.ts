/**
 * The grammY context of Vigia's bot: what its middleware adds to grammY's own (the seller, loaded once per update,
 * and the step a plain message answers), and how a command is read from an update.
 */
import type { Context } from "grammy"
import type { Message } from "grammy/types"
import type { Step } from "../data/Conversations.ts"
import type { User } from "../data/Users.ts"

/** The seller who sent the update, created on first contact; set before any feature runs. */
export interface SellerFlavor {
  seller: User
}

/** The step of the conversation a message that is not a command answers; set for such messages only. */
export interface StepFlavor {
  step?: Step
}

export type BotContext = Context & SellerFlavor & StepFlavor

/** A context whose message answers the step tagged `Tag`. */
export type AtStep<Tag extends Step["_tag"]> = BotContext & {
  step: Extract<Step, { readonly _tag: Tag }>
  message: Message
}

/** Whether the update is a message answering the step tagged `tag`. */
export const atStep = <Tag extends Step["_tag"]>(tag: Tag) => (ctx: BotContext): ctx is AtStep<Tag> =>
  ctx.message !== undefined && ctx.step?._tag === tag

/**
 * The command a message starts with, read as grammY's `command` filter reads it (the `bot_command` entity at the
 * start, without `@botname`): `/ativar@vigia_bot x` is `ativar`.
 */
export const commandOf = (ctx: Context): string | undefined => {
  const text = ctx.message?.text
  const entity = ctx.message?.entities?.find((candidate) => candidate.type === "bot_command" && candidate.offset === 0)
  return text === undefined || entity === undefined ? undefined : text.substring(1, entity.length).split("@")[0]
}

/** The text after a command (`ctx.match` of grammY's `command` filter), trimmed. */
export const argumentsOf = (ctx: Context): string => (typeof ctx.match === "string" ? ctx.match.trim() : "")
