/**
 * The chats whose new messages the worker publishes, each with the time it was first
 * watched, kept in the account's folder so a restarted worker still knows them.
 */
import { Clock, Context, Effect, FileSystem, Layer, Option, Ref, Schema } from "effect"
import * as Path from "node:path"

export interface WatchedChatsOptions {
  /** The account's folder: the chats are kept in `watched-chats.json` there. */
  readonly folder: string
}

/** Chat id → Unix time (seconds) from which its messages count. */
const Watched = Schema.Record(Schema.String, Schema.Int)

export class WatchedChats extends Context.Service<WatchedChats, {
  /** Watches exactly `chatIds`; a chat already watched keeps its start time. Answers the chats added and removed. */
  readonly set: (chatIds: ReadonlyArray<number>) => Effect.Effect<{
    readonly added: ReadonlyArray<number>
    readonly removed: ReadonlyArray<number>
  }>
  /** Whether a message of `chatId` dated `date` (Unix seconds) is one to publish. */
  readonly accepts: (chatId: number, date: number) => Effect.Effect<boolean>
  readonly chatIds: Effect.Effect<ReadonlyArray<number>>
}>()("@vigia/session-worker/WatchedChats") {
  static readonly layer = (options: WatchedChatsOptions): Layer.Layer<WatchedChats, never, FileSystem.FileSystem> =>
    Layer.effect(
      WatchedChats,
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const file = Path.join(options.folder, "watched-chats.json")
        const stored = yield* fs.readFileString(file).pipe(
          Effect.flatMap(Schema.decodeUnknownEffect(Schema.fromJsonString(Watched))),
          Effect.tapError((error) =>
            error._tag === "PlatformError" && error.reason._tag === "NotFound"
              ? Effect.void
              : Effect.logWarning("the watched chats could not be read; starting with none", error.message)
          ),
          Effect.option
        )
        const watched = yield* Ref.make(
          new Map(Object.entries(Option.getOrElse(stored, () => ({}))).map(([id, since]) => [Number(id), since]))
        )

        const save = (chats: ReadonlyMap<number, number>) =>
          fs.makeDirectory(Path.dirname(file), { recursive: true }).pipe(
            Effect.andThen(fs.writeFileString(`${file}.tmp`, JSON.stringify(Object.fromEntries(chats)))),
            Effect.andThen(fs.rename(`${file}.tmp`, file)),
            Effect.catch((error) => Effect.logWarning("the watched chats could not be saved", error.message))
          )

        const set = Effect.fn("WatchedChats.set")(function*(chatIds: ReadonlyArray<number>) {
          const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          const before = yield* Ref.get(watched)
          const next = new Map(chatIds.map((id) => [id, before.get(id) ?? now]))
          yield* Ref.set(watched, next)
          yield* save(next)
          return {
            added: [...next.keys()].filter((id) => !before.has(id)),
            removed: [...before.keys()].filter((id) => !next.has(id))
          }
        })

        const accepts = (chatId: number, date: number) =>
          Ref.get(watched).pipe(
            Effect.map((chats) => {
              const since = chats.get(chatId)
              return since !== undefined && date >= since
            })
          )

        return WatchedChats.of({ set, accepts, chatIds: Ref.get(watched).pipe(Effect.map((chats) => [...chats.keys()])) })
      })
    )
}
