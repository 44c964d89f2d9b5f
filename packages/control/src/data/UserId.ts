/**
 * The id of a Vigia user (the `users.id` uuid) and `UserNotFound`, the refusal every
 * service keyed by a user gives when that user does not exist.
 */
import { Schema } from "effect"

export const UserId = Schema.String.pipe(Schema.check(Schema.isUUID()), Schema.brand("UserId"))
export type UserId = typeof UserId.Type

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", {
  message: Schema.String
}) {}
