/**
 * What the control plane tells a seller as their account's events arrive: the next
 * login step, a connected or lost account. The bot implements it (orders go through the delivery's port).
 */
import type {
  TelegramUser,
  WaitingForCode,
  WaitingForEmail,
  WaitingForEmailCode,
  WaitingForOtherDeviceConfirmation,
  WaitingForPassword,
  WaitingForRegistration
} from "@vigia/protocol/Messages"
import { Context, type Effect } from "effect"
import type { UserId } from "../data/UserId.ts"

/** The login states a worker reports that ask something of the seller. */
export type LoginStep =
  | WaitingForCode
  | WaitingForPassword
  | WaitingForEmail
  | WaitingForEmailCode
  | WaitingForRegistration
  | WaitingForOtherDeviceConfirmation

/** Why a seller's account stopped working. */
export type SessionLoss =
  /** The account was logged out from another device (or Telegram ended the session). */
  | "LoggedOutElsewhere"
  /** The worker stopped answering and could not be brought back. */
  | "WorkerUnavailable"
  /** The worker's node was drained or removed: its login stayed in the volume there, so it must log in again. */
  | "NodeRetired"

export class SellerNotifier extends Context.Service<SellerNotifier, {
  readonly loginStep: (userId: UserId, step: LoginStep) => Effect.Effect<void>
  readonly accountConnected: (userId: UserId, account: TelegramUser) => Effect.Effect<void>
  readonly sessionLost: (userId: UserId, loss: SessionLoss) => Effect.Effect<void>
}>()("@vigia/control/events/SellerNotifier") {}
