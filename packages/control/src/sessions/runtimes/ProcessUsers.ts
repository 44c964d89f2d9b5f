/**
 * `process` workers' own users, when the control plane runs as root: each account gets an unprivileged uid of
 * its own from a reserved range, recorded as the owner of its folder (0700). A worker then reads neither the
 * control plane's `/proc/{pid}/environ`, nor another worker's, nor another account's folder or log.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option, Semaphore } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { refused } from "./ProcessRecords.ts"

/** The uids accounts get: `first` up to `first + count - 1`, none with a passwd entry (the kernel needs none). */
export interface UidRange {
  readonly first: number
  readonly count: number
}

export const uidRangeSize = 1_000_000

/** Who a worker runs as: its account's uid, and a group of the same number. */
export interface AccountUser {
  readonly uid: number
  readonly gid: number
}

const folderPattern = /^vigia-session-[1-9][0-9]{7,14}-data$/

/** Every file and folder under `path`, `path` included, owned by `uid`. */
const chownTree = (path: string, uid: number) => {
  Fs.chownSync(path, uid, uid)
  for (const entry of Fs.readdirSync(path, { recursive: true, encoding: "utf8" })) {
    Fs.lchownSync(Path.join(path, entry), uid, uid)
  }
}

/** The first folder up from `path` (itself included) that others cannot traverse. */
const closedAncestor = (path: string): Option.Option<string> => {
  for (let folder = path; ; folder = Path.dirname(folder)) {
    if ((Fs.statSync(folder).mode & 0o001) === 0) return Option.some(folder)
    if (Path.dirname(folder) === folder) return Option.none()
  }
}

/**
 * The users of the accounts whose folders are in `dataRoot`. Checks that a worker can reach `dataRoot` and run
 * Node and `entry`: every folder above them must be traversable by others (`dataRoot` itself is made 0711:
 * workers reach their own folder in it, and list nothing).
 */
export const make = Effect.fnUntraced(function*(options: {
  readonly dataRoot: string
  readonly entry: string
  readonly uids: UidRange
  readonly dataPath: (phone: PhoneNumber) => string
}) {
  const { dataRoot, uids } = options
  yield* Effect.try({
    try: () => Fs.chmodSync(dataRoot, 0o711),
    catch: (cause) => refused(`cannot protect ${dataRoot}: ${String(cause)}`)
  })
  for (const path of [Path.dirname(dataRoot), Path.dirname(options.entry), Path.dirname(process.execPath)]) {
    const closed = closedAncestor(path)
    if (Option.isSome(closed)) {
      return yield* refused(
        `workers run as users of their own, who cannot reach ${closed.value}: let others traverse it (chmod o+x), ` +
          "or put WORKER_DATA_DIR and the worker elsewhere"
      )
    }
  }
  const lock = yield* Semaphore.make(1)
  const inRange = (uid: number) => uid >= uids.first && uid < uids.first + uids.count

  /** The uids the accounts' folders hold now, and how many folders hold each. */
  const owners = () => {
    const counts = new Map<number, number>()
    for (const name of Fs.readdirSync(dataRoot)) {
      if (!folderPattern.test(name)) continue
      const uid = Fs.statSync(Path.join(dataRoot, name)).uid
      counts.set(uid, (counts.get(uid) ?? 0) + 1)
    }
    return counts
  }

  /** The account's user: the one its folder records, else a free uid, its folder (created if need be) handed over. */
  const userFor = (phone: PhoneNumber) =>
    Effect.try({
      try: (): AccountUser => {
        const folder = options.dataPath(phone)
        Fs.mkdirSync(folder, { recursive: true })
        const taken = owners()
        const recorded = Fs.statSync(folder).uid
        if (inRange(recorded) && taken.get(recorded) === 1) {
          Fs.chmodSync(folder, 0o700)
          return { uid: recorded, gid: recorded }
        }
        let free = uids.first
        while (taken.has(free)) free += 1
        if (!inRange(free)) throw new Error(`every uid from ${uids.first} is taken`)
        // A folder from before, or a copy sharing another account's uid: everything in it becomes the account's.
        chownTree(folder, free)
        Fs.chmodSync(folder, 0o700)
        return { uid: free, gid: free }
      },
      catch: (cause) => refused(`cannot give the account its own user: ${String(cause)}`)
    }).pipe(Semaphore.withPermits(lock, 1))

  return { userFor }
})

export type ProcessUsers = Effect.Success<ReturnType<typeof make>>
