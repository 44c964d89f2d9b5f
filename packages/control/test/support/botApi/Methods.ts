/**
 * The fake Bot API's methods the bot calls: long-polled updates, messages and documents sent, edited and deleted,
 * callbacks, commands and files, each checked as Telegram checks it; payments come from `Payments.ts`.
 */
import { BotApiError, type Methods } from "./Http.ts"
import { botUser, defaultUpdates, type Store } from "./State.ts"

/** The methods by name, over one fake server's state, with the payment methods given beside them. */
export const makeMethods = (store: Store, payments: Methods): Methods => {
  const { state, userMessages, record } = store
  return {
    getMe: () => botUser,
    deleteWebhook: () => true,
    setWebhook: () => true,
    setMyCommands: (params) => ((state.commands = params.commands), true),
    getMyCommands: () => state.commands,
    getUpdates: (params) => {
      if (Array.isArray(params.allowed_updates)) {
        state.allowedUpdates = params.allowed_updates.length === 0 ? defaultUpdates : params.allowed_updates.map(String)
      }
      const offset = Number(params.offset ?? 0)
      state.updates = state.updates.filter((update) => update.update_id >= offset)
      const limit = Number(params.limit ?? 100)
      if (state.updates.length > 0 || state.pollTimeoutIgnored) return state.updates.slice(0, limit)
      const timeout = Math.min(Number(params.timeout ?? 0), 2)
      return new Promise((resolve) => {
        const wake = () => (clearTimeout(timer), resolve(state.updates.slice(0, limit)))
        const timer = setTimeout(() => {
          state.pollers = state.pollers.filter((poller) => poller !== wake)
          resolve([])
        }, timeout * 1000)
        state.pollers.push(wake)
      })
    },
    sendMessage: (params) =>
      record({
        message_id: state.nextMessageId++,
        chat_id: Number(params.chat_id),
        text: String(params.text),
        ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
        edited: false,
        deleted: false
      }),
    sendDocument: (params) => {
      // grammY sends a file as its own multipart field, named by `attach://{field}` in the parameter.
      const attached = typeof params.document === "string" ? /^attach:\/\/(.+)$/.exec(params.document)?.[1] : undefined
      const document = (attached === undefined ? params.document : params[attached]) as { file_name: string; content: string }
      return record({
        message_id: state.nextMessageId++,
        chat_id: Number(params.chat_id),
        text: String(params.caption ?? ""),
        document,
        edited: false,
        deleted: false
      })
    },
    editMessageText: (params) => {
      const id = Number(params.message_id)
      const existing = state.messages.get(id)
      if (!existing) throw new BotApiError(400, "Bad Request: message to edit not found")
      if (existing.text === String(params.text) && JSON.stringify(existing.reply_markup) === JSON.stringify(params.reply_markup)) {
        throw new BotApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
      }
      const { reply_markup: _previous, ...rest } = existing
      return record({ ...rest, text: String(params.text), ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}), edited: true })
    },
    editMessageReplyMarkup: (params) => {
      const id = Number(params.message_id)
      const existing = state.messages.get(id)
      if (!existing) throw new BotApiError(400, "Bad Request: message to edit not found")
      const { reply_markup: _previous, ...rest } = existing
      return record({ ...rest, ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}), edited: true })
    },
    deleteMessage: (params) => {
      const chat = Number(params.chat_id)
      const id = Number(params.message_id)
      const own = state.messages.get(id)
      if (own && own.chat_id === chat) return (record({ ...own, deleted: true }), true)
      const users = userMessages.get(`${chat}:${id}`)
      if (!users) throw new BotApiError(400, "Bad Request: message to delete not found")
      users.deleted = true
      return true
    },
    answerCallbackQuery: () => true,
    sendChatAction: () => true,
    getFile: (params) => {
      const file = state.files.get(String(params.file_id))
      if (!file) throw new BotApiError(400, "Bad Request: invalid file_id")
      return { file_id: params.file_id, file_unique_id: `u${params.file_id}`, file_size: file.content.length, file_path: file.path }
    },
    ...payments
  }
}
