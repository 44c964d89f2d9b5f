/**
 * A `SellerNotifier` that records what it would tell each seller, for tests of the control plane's reactions to
 * workers' updates; and a logger that keeps every log line, for tests of what is logged (and what never is).
 */
import type { TelegramUser } from "@vigia/protocol/Messages"
import { Context, Effect, Layer, Logger, Ref } from "effect"
import { type LoginStep, SellerNotifier, type SessionLoss } from "../../src/events/SellerNotifier.ts"
import type { UserId } from "../../src/data/UserId.ts"

export type Notice =
  | { readonly _tag: "LoginStep"; readonly userId: UserId; readonly step: LoginStep }
  | { readonly _tag: "AccountConnected"; readonly userId: UserId; readonly account: TelegramUser }
  | { readonly _tag: "SessionLost"; readonly userId: UserId; readonly loss: SessionLoss }

export class RecordingNotifier extends Context.Service<RecordingNotifier, {
  /** What the seller was told, oldest first. */
  readonly noticesOf: (userId: UserId) => Effect.Effect<ReadonlyArray<Notice>>
}>()("test/RecordingNotifier") {
  /** The recorder and the `SellerNotifier` that feeds it. */
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const notices = yield* Ref.make<ReadonlyArray<Notice>>([])
    const record = (notice: Notice) => Ref.update(notices, (all) => [...all, notice])
    const notifier = SellerNotifier.of({
      loginStep: (userId, step) => record({ _tag: "LoginStep", userId, step }),
      accountConnected: (userId, account) => record({ _tag: "AccountConnected", userId, account }),
      sessionLost: (userId, loss) => record({ _tag: "SessionLost", userId, loss })
    })
    const recorder = RecordingNotifier.of({
      noticesOf: (userId) => Effect.map(Ref.get(notices), (all) => all.filter((notice) => notice.userId === userId))
    })
    return Context.make(RecordingNotifier, recorder).pipe(Context.add(SellerNotifier, notifier))
  }))
}

export interface LogLine {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

export class CapturedLogs extends Context.Service<CapturedLogs, {
  /** Every line logged so far, oldest first. */
  readonly lines: Effect.Effect<ReadonlyArray<LogLine>>
}>()("test/CapturedLogs") {
  /** Replaces the loggers with one that keeps each line (level, message, annotations). */
  static readonly layer = Layer.unwrap(Effect.sync(() => {
    const lines: Array<LogLine> = []
    const keep = Logger.map(Logger.formatStructured, ({ annotations, level, message }) => {
      lines.push({ level, message, annotations })
    })
    return Layer.merge(
      Logger.layer([keep]),
      Layer.succeed(CapturedLogs, CapturedLogs.of({ lines: Effect.sync(() => [...lines]) }))
    )
  }))
}

/** A line's text as an operator would search it: message and annotations. */
export const lineText = (line: LogLine): string => JSON.stringify([line.message, line.annotations])
