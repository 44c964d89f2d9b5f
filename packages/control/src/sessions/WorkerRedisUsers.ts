/**
 * Each account's own Redis user, so that a worker reaches its account's queues and nothing else: created before
 * its worker is created, deleted once its worker is stopped. Its password is derived from the master secret.
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Redis } from "ioredis"
import * as Crypto from "node:crypto"
import { SessionKeys } from "./SessionKeys.ts"

/**
 * How workers reach Redis. `None`: the inline runtime's workers share the control plane's queue. `Shared`: Redis
 * has no password, so a user per account would confine nothing (anyone may connect as `default`): every worker is
 * handed the one URL. `PerAccount`: each worker gets a user of its own, which `adminUrl` creates and deletes.
 */
export type WorkerRedisSettings =
  | { readonly _tag: "None" }
  | { readonly _tag: "Shared"; readonly url: Redacted.Redacted<string> }
  | {
    readonly _tag: "PerAccount"
    /** The control plane's Redis connection: it needs the right to run `ACL SETUSER` and `ACL DELUSER`. */
    readonly adminUrl: Redacted.Redacted<string>
    /** Where the workers reach Redis (host, port, TLS): its user and password are replaced by each worker's own. */
    readonly workerUrl: Redacted.Redacted<string>
    /** BullMQ's key prefix: the account's keys and channels are `{prefix}:user-{phone}-*`. */
    readonly prefix: string
  }

export class WorkerRedisUsersError extends Schema.TaggedError<WorkerRedisUsersError>()("WorkerRedisUsersError", {
  message: Schema.String
}) {}

/** The account's user name: its prefix (letters, digits, `-`, `_` only) and its phone. */
export const userName = (prefix: string, phone: PhoneNumber): string =>
  `vigia-${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}-${phone}`

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&")

/**
 * The ACL rules of an account's user (Redis 7): its password as a SHA-256 (Redis never sees it in a command); the
 * keys and pub/sub channels of its queues, its wake-up channels and its heartbeat, all under
 * `{prefix}:user-{phone}-`; the commands BullMQ needs (reads, writes, scripts, pub/sub, transactions, `INFO` for
 * its version check). Refused: what Redis itself calls dangerous (`FLUSHALL`, `KEYS`, `CONFIG`, `CLIENT KILL`…) and
 * what would list or touch other accounts without naming a key (`SCAN`, `RANDOMKEY`, `PUBSUB CHANNELS`, `SCRIPT
 * FLUSH`, functions).
 */
export const aclRules = (prefix: string, phone: PhoneNumber, password: Redacted.Redacted<string>): ReadonlyArray<string> => {
  const own = `${escapeGlob(prefix)}:user-${phone}-*`
  return [
    "reset",
    "on",
    `#${Crypto.createHash("sha256").update(Redacted.value(password)).digest("hex")}`,
    `~${own}`,
    "resetchannels",
    `&${own}`,
    "-@all",
    ...["@read", "@write", "@scripting", "@pubsub", "@connection", "@transaction"].map((category) => `+${category}`),
    "-@dangerous",
    "-@admin",
    ...["scan", "randomkey", "dbsize", "pubsub", "script|flush", "script|kill", "function", "fcall", "fcall_ro"].map(
      (command) => `-${command}`
    ),
    "+info"
  ]
}

/** `base` (a worker's address of Redis) with the account's user and password. */
const withUser = (base: Redacted.Redacted<string>, user: string, password: Redacted.Redacted<string>) => {
  const url = new URL(Redacted.value(base))
  url.username = encodeURIComponent(user)
  url.password = encodeURIComponent(Redacted.value(password))
  return Redacted.make(url.href)
}

const within = Duration.seconds(5)

const failure = (what: string) => (cause: unknown) =>
  new WorkerRedisUsersError({ message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })

/** Sends one command to Redis: its error, or no answer within 5 seconds, is a `WorkerRedisUsersError`. */
const request = <A>(what: string, send: () => Promise<A>) =>
  Effect.tryPromise({ try: send, catch: failure(what) }).pipe(
    Effect.timeoutOrElse({ duration: within, orElse: () => Effect.fail(failure(what)("Redis did not answer in time")) })
  )

/** The administrator's connection, opened by its first command and closed with the scope; ioredis reconnects. */
const connect = (url: Redacted.Redacted<string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const redis = new Redis(Redacted.value(url), {
        connectionName: "vigia-control-acl",
        lazyConnect: true,
        maxRetriesPerRequest: 1
      })
      // A lost connection surfaces as the failure of the command that needed it.
      redis.on("error", () => {})
      return redis
    }),
    (redis) =>
      Effect.promise(() => redis.quit().catch(() => "gone")).pipe(
        Effect.timeoutOption(within),
        Effect.andThen(Effect.sync(() => redis.disconnect()))
      )
  )

/** Warns when Redis' `default` user needs no password: a worker could then connect as it and bypass its own user. */
const warnOnOpenDefault = (redis: Redis) =>
  request("reading Redis' default user", () => redis.acl("GETUSER", "default")).pipe(
    Effect.flatMap((user) =>
      JSON.stringify(user).includes("nopass")
        ? Effect.logWarning("Redis' default user needs no password: workers' own users confine nothing (set requirepass)")
        : Effect.void
    ),
    Effect.catch((error) => Effect.logWarning("could not check Redis' default user", error.message))
  )

export class WorkerRedisUsers extends Context.Service<WorkerRedisUsers, {
  /** The Redis URL the account's worker is handed, if its runtime hands one. */
  readonly urlFor: (phone: PhoneNumber) => Option.Option<Redacted.Redacted<string>>
  /** Creates the account's user, or resets it to its rules and password. */
  readonly ensure: (phone: PhoneNumber) => Effect.Effect<void, WorkerRedisUsersError>
  /** Deletes the account's user: Redis also closes the connections it opened. */
  readonly remove: (phone: PhoneNumber) => Effect.Effect<void, WorkerRedisUsersError>
}>()("@vigia/control/sessions/WorkerRedisUsers") {
  static readonly make = Effect.fnUntraced(function*(settings: WorkerRedisSettings) {
    if (settings._tag !== "PerAccount") {
      if (settings._tag === "Shared") {
        yield* Effect.logWarning("Redis has no password: every worker is handed the control plane's own Redis access")
      }
      const url = settings._tag === "Shared" ? Option.some(settings.url) : Option.none()
      return WorkerRedisUsers.of({ urlFor: () => url, ensure: () => Effect.void, remove: () => Effect.void })
    }
    const keys = yield* SessionKeys
    const redis = yield* connect(settings.adminUrl)
    const checkedDefault = yield* Effect.cached(warnOnOpenDefault(redis))
    const name = (phone: PhoneNumber) => userName(settings.prefix, phone)
    const log = (phone: PhoneNumber) => Effect.annotateLogs({ phone: mask(phone) })
    const createUser = (phone: PhoneNumber) =>
      request("creating the worker's Redis user", () =>
        redis.acl("SETUSER", name(phone), ...aclRules(settings.prefix, phone, keys.redisPasswordFor(phone))))

    return WorkerRedisUsers.of({
      urlFor: (phone) => Option.some(withUser(settings.workerUrl, name(phone), keys.redisPasswordFor(phone))),
      ensure: (phone) =>
        checkedDefault.pipe(
          Effect.andThen(createUser(phone)),
          Effect.asVoid,
          Effect.tapError((error) => Effect.logError("could not create the worker's Redis user", error.message).pipe(log(phone)))
        ),
      remove: (phone) =>
        request("deleting the worker's Redis user", () => redis.acl("DELUSER", name(phone))).pipe(
          Effect.tap(() => Effect.logInfo("worker's Redis user deleted").pipe(log(phone)))
        )
    })
  })

  static readonly layer = (settings: WorkerRedisSettings) => Layer.effect(WorkerRedisUsers, WorkerRedisUsers.make(settings))

  static readonly layerConfig = (config: Config.Config<WorkerRedisSettings>) =>
    Layer.effect(WorkerRedisUsers, Effect.flatMap(config, WorkerRedisUsers.make))
}
