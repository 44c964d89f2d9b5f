/**
 * The names of an account's three queues (`user-{phone}-commands|responses|updates`), built only from a
 * `PhoneNumber`, and the BullMQ job ids of messages: never a `:`, never all digits.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Messages from "./Messages.ts"

export const QueueKind = Schema.Literals(["commands", "responses", "updates"])
export type QueueKind = typeof QueueKind.Type

const queueNamePattern = /^user-([1-9][0-9]{7,14})-(commands|responses|updates)$/

export const QueueName = Schema.String.pipe(
  Schema.check(Schema.isPattern(queueNamePattern, { expected: "user-{phone}-commands|responses|updates" })),
  Schema.brand("QueueName")
)
export type QueueName = typeof QueueName.Type

export const queueName = (phone: PhoneNumber, kind: QueueKind): QueueName => `user-${phone}-${kind}` as QueueName

/** control → worker */
export const commandsQueue = (phone: PhoneNumber): QueueName => queueName(phone, "commands")
/** worker → control: answers to commands */
export const responsesQueue = (phone: PhoneNumber): QueueName => queueName(phone, "responses")
/** worker → control: what happened on the account */
export const updatesQueue = (phone: PhoneNumber): QueueName => queueName(phone, "updates")

/** The account a queue belongs to, so a consumer can check a message's envelope against its queue. */
export const phoneOf = (queue: QueueName): PhoneNumber => queue.split("-")[1] as PhoneNumber

export const kindOf = (queue: QueueName): QueueKind => queue.split("-")[2] as QueueKind

/** A BullMQ job id: no `:` and not all digits (BullMQ rejects both). */
export const JobId = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^(?=.*[^0-9])[^:]{1,200}$/, { expected: "a job id of 1-200 characters, no ':', not all digits" })
  ),
  Schema.brand("JobId")
)
export type JobId = typeof JobId.Type

/** A command's job id: a command re-sent with the same request id is enqueued once. */
export const commandJobId = (requestId: Messages.RequestId): JobId => `command-${requestId}` as JobId

/** A response's job id: a worker answering the same request twice enqueues one response. */
export const responseJobId = (requestId: Messages.RequestId): JobId => `response-${requestId}` as JobId

/**
 * An update's job id, derived from its identity: a new message is the chat and message id, so a message
 * re-published (after a worker restart, say) is not enqueued twice; any other update is its kind, time and a
 * digest of its content, so the same update retried is enqueued once and distinct updates never collide.
 */
export const updateJobId = (message: Messages.UpdateMessage): JobId => {
  const update = message.update
  if (update._tag === "NewMessage") return `message-${update.chatId}-${update.messageId}` as JobId
  const digest = Crypto.createHash("sha256")
    .update(JSON.stringify(Schema.encodeSync(Messages.UpdateMessage)(message)))
    .digest("base64url")
    .slice(0, 16)
  return `${update._tag}-${message.timestamp}-${digest}` as JobId
}
