/**
 * What the control plane tells a seller as their account's events arrive: the next
 * login step, a connected or lost account, an order priced. The bot implements it.
 */
import type { Quote } from "@vigia/domain/Quote"
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

/** An order found in one of the seller's active groups, priced against their table. */
export interface OrderReport {
  readonly groupId: number
  readonly groupTitle: string
  readonly customerId: number
  readonly customerName: string
  readonly messageId: number
  /** A link to the message in the group, when Telegram can make one (public or supergroup). */
  readonly link: string | null
  readonly quote: Quote
  /** Whether the quote was also posted as a reply in the group (automatic replies on). */
  readonly repliedInGroup: boolean
}

export class SellerNotifier extends Context.Service<SellerNotifier, {
  readonly loginStep: (userId: UserId, step: LoginStep) => Effect.Effect<void>
  readonly accountConnected: (userId: UserId, account: TelegramUser) => Effect.Effect<void>
  readonly sessionLost: (userId: UserId, loss: SessionLoss) => Effect.Effect<void>
  readonly orderQuoted: (userId: UserId, report: OrderReport) => Effect.Effect<void>
}>()("@vigia/control/events/SellerNotifier") {}
