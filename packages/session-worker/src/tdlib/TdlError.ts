/**
 * What can go wrong between the worker and TDLib, real or fake: one error with a
 * reason for each way, so callers pick the ones they handle.
 */
import { Schema } from "effect"

/** TDLib answered the request with an error (`PHONE_CODE_INVALID`, `Too Many Requests: retry after 30`, …). */
export class TdlibFailure extends Schema.TaggedError<TdlibFailure>()("TdlibFailure", {
  request: Schema.String,
  code: Schema.Number,
  message: Schema.String
}) {}

/** TDLib did not answer in time (with no network some requests never answer). */
export class TdlTimeout extends Schema.TaggedError<TdlTimeout>()("TdlTimeout", {
  request: Schema.String,
  timeout: Schema.String
}) {}

/** TDLib is closed (after a log out or a close): it takes no more requests. */
export class TdlClosed extends Schema.TaggedError<TdlClosed>()("TdlClosed", {
  request: Schema.String
}) {}

/** TDLib's answer did not have the shape the worker reads. */
export class TdlUnexpectedAnswer extends Schema.TaggedError<TdlUnexpectedAnswer>()("TdlUnexpectedAnswer", {
  request: Schema.String,
  message: Schema.String
}) {}

/** TDLib could not be opened: the library, the parameters, the database (locked, wrong key). */
export class TdlStartFailed extends Schema.TaggedError<TdlStartFailed>()("TdlStartFailed", {
  message: Schema.String
}) {}

export class TdlError extends Schema.TaggedError<TdlError>()("TdlError", {
  reason: Schema.Union([TdlibFailure, TdlTimeout, TdlClosed, TdlUnexpectedAnswer, TdlStartFailed])
}) {
  override get message(): string {
    const reason = this.reason
    switch (reason._tag) {
      case "TdlibFailure":
        return `${reason.request} failed: ${reason.code} ${reason.message}`
      case "TdlTimeout":
        return `TDLib did not answer ${reason.request} within ${reason.timeout}`
      case "TdlClosed":
        return `TDLib is closed; ${reason.request} was not sent`
      case "TdlUnexpectedAnswer":
        return `unexpected answer to ${reason.request}: ${reason.message}`
      case "TdlStartFailed":
        return `TDLib could not start: ${reason.message}`
    }
  }
}

/** The start-up failure, with the reason that names what went wrong. */
export const startFailed = (message: string) => new TdlError({ reason: new TdlStartFailed({ message }) })
