/**
 * Telegram's webhook, the one address that faces the internet: only a `POST` of JSON no larger than an update can
 * be, carrying the secret Telegram was given (compared in constant time), reaches the bot.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ByteSize, Effect, Layer, Metric, Redacted, Schema } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Update } from "grammy/types"
import * as Crypto from "node:crypto"
import { createServer } from "node:http"
import { BotUpdates } from "../bot/layer.ts"

/** Telegram posts updates here when `WEBHOOK_URL` is set (its path must end with this). */
export const webhookPath = "/telegram/webhook"

/** The most an update may weigh: a message, the one it replies to and their entities stay far below it. */
export const maxUpdateBytes = 256 * 1024

export interface WebhookEndpointOptions {
  readonly host: string
  readonly port: number
  /** What Telegram sends in `X-Telegram-Bot-Api-Secret-Token` with every update. */
  readonly secret: Redacted.Redacted<string>
}

const digest = (value: string) => Crypto.createHash("sha256").update(value, "utf8").digest()

/** Whether `given` is the secret, in a time that tells nothing of either (their digests have one length). */
export const secretMatches = (secret: Redacted.Redacted<string>, given: string | undefined): boolean =>
  given !== undefined && Crypto.timingSafeEqual(digest(Redacted.value(secret)), digest(given))

const isJson = (contentType: string | undefined) => contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType)

/** An update's one field the endpoint reads; the rest is grammY's to read, as Telegram sent it. */
const UpdateJson = Schema.fromJsonString(Schema.StructWithRest(Schema.Struct({ update_id: Schema.Int }), [
  Schema.Record(Schema.String, Schema.Unknown)
]))
const decodeUpdate = Schema.decodeUnknownEffect(UpdateJson)

/** Requests the webhook refused, by reason (a forged or broken request is the operator's to see, not the bot's). */
export const webhookRefused = Metric.counter("vigia_webhook_refused_total", {
  description: "Requests to Telegram's webhook refused, by reason",
  incremental: true
})

const status = (code: number) => HttpServerResponse.empty({ status: code })

const refused = (code: number, reason: string) =>
  Metric.update(Metric.withAttributes(webhookRefused, { reason }), 1).pipe(
    Effect.andThen(Effect.logDebug("the webhook refused a request", { reason })),
    Effect.as(code === 405 ? HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } }) : status(code))
  )

const tooLarge = (length: string | undefined) => length !== undefined && Number(length) > maxUpdateBytes

const receive = (secret: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const updates = yield* BotUpdates
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") return yield* refused(405, "method")
    if (!secretMatches(secret, request.headers["x-telegram-bot-api-secret-token"])) return yield* refused(401, "secret")
    if (!isJson(request.headers["content-type"])) return yield* refused(415, "content-type")
    if (tooLarge(request.headers["content-length"])) return yield* refused(413, "size")
    const text = yield* request.text.pipe(Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxUpdateBytes)))
    const update = yield* decodeUpdate(text)
    // Validated as far as the endpoint cares; grammY reads the rest as Telegram's `Update`.
    yield* updates.dispatch(update as unknown as Update)
    return status(200)
  }).pipe(
    Effect.catchTags({
      HttpServerError: (error) =>
        error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
          ? refused(413, "size")
          : refused(400, "body"),
      SchemaError: () => refused(400, "body")
    })
  )

/** Serves the webhook alone on `host:port`: any other path is not found, any other method not allowed. */
export const layer = (options: WebhookEndpointOptions) =>
  HttpRouter.serve(HttpRouter.add("*", webhookPath, receive(options.secret)), { disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { host: options.host, port: options.port }))
  )
