/**
 * TDLib's objects as the fake builds them from its script: errors, chats, users, message contents, and the
 * noise TDLib sends at start.
 */
import type * as TdApi from "../TdApi.ts"
import type { FakeChat } from "./FakeScript.ts"

export const tdError = (code: number, message: string): TdApi.TdError => ({ _: "error", code, message })
export const unauthorized = tdError(401, "Unauthorized")
export const chatNotFound = tdError(400, "Chat not found")
export const unexpected = (name: string) => tdError(400, `Call to ${name} unexpected`)
export const ok = { _: "ok" as const }

const chatType = (chat: FakeChat): TdApi.ChatType => {
  switch (chat.kind) {
    case "private":
      return { _: "chatTypePrivate", user_id: chat.id }
    case "basicGroup":
      return { _: "chatTypeBasicGroup", basic_group_id: -chat.id }
    case "supergroup":
    case "channel":
      return {
        _: "chatTypeSupergroup",
        supergroup_id: Number(String(-chat.id).slice(3)),
        is_channel: chat.kind === "channel"
      }
  }
}

/** `chat` as TDLib describes it, `order` placing it in the main chat list. */
export const chatObject = (chat: FakeChat, order: number) => ({
  _: "chat" as const,
  id: chat.id,
  type: chatType(chat),
  title: chat.title,
  positions: [{ _: "chatPosition", list: { _: "chatListMain" }, order: String(order), is_pinned: false }],
  permissions: { _: "chatPermissions", can_send_basic_messages: chat.kind !== "channel" },
  unread_count: 0
})

export const userObject = (id: number, firstName: string, lastName: string, username: string, phone: string) => ({
  _: "user" as const,
  id,
  first_name: firstName,
  last_name: lastName,
  usernames: {
    _: "usernames",
    active_usernames: username === "" ? [] : [username],
    disabled_usernames: [],
    editable_username: username
  },
  phone_number: phone,
  is_contact: false,
  type: { _: "userTypeRegular" }
})

export const formatted = (text: string) => ({ _: "formattedText" as const, text, entities: [] })

/** A text message, a photo with its caption, or a sticker when it has neither. */
export const contentOf = (message: { readonly text?: string; readonly caption?: string }) =>
  message.text !== undefined
    ? { _: "messageText" as const, text: formatted(message.text) }
    : message.caption !== undefined
    ? {
      _: "messagePhoto" as const,
      caption: formatted(message.caption),
      photo: { _: "photo", has_stickers: false, sizes: [] },
      show_caption_above_media: false,
      has_spoiler: false,
      is_secret: false
    }
    : {
      _: "messageSticker" as const,
      sticker: { _: "sticker", id: "1", emoji: "👍", width: 512, height: 512 },
      is_premium: false
    }

/** The noise TDLib sends at start (about a hundred `updateOption`s and more): none of it may leave the worker. */
export const startupNoise: ReadonlyArray<TdApi.RawUpdate> = [
  { _: "updateOption", name: "version", value: { _: "optionValueString", value: "1.8.65" } },
  { _: "updateOption", name: "commit_hash", value: { _: "optionValueString", value: "fake" } },
  { _: "updateOption", name: "utc_time_offset", value: { _: "optionValueInteger", value: "0" } },
  { _: "updateDefaultBackground", for_dark_theme: false },
  { _: "updateFileDownloads", total_size: 0, total_count: 0, downloaded_size: 0 }
]
