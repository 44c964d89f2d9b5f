import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Duration, Effect, Layer } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"
import { ContainerRuntime } from "../../../src/sessions/runtimes/ContainerRuntime.ts"
import * as ProcessRuntime from "../../../src/sessions/runtimes/ProcessRuntime.ts"
import { eventually, ping, queueLayer, randomDeployment, randomPhone, stopWorkersAtEnd, workerSpecFor } from "../../support/WorkerHarness.ts"

// The process runtime as root (how it runs in CI and on a single machine): what a compromised worker can reach.

const deployment = randomDeployment("isolation")
const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-isolation-"))
const logMaxBytes = 64 * 1024
const folderOf = (phone: PhoneNumber) => Path.join(dataRoot, ContainerNames.volumeName(phone))
const logOf = (phone: PhoneNumber) => Path.join(dataRoot, `${ContainerNames.workerName(phone)}.log`)

const runtime = Layer.provideMerge(
  stopWorkersAtEnd(deployment, dataRoot),
  ProcessRuntime.layer({ entry: ProcessRuntime.defaultEntry, dataRoot, deployment, stopGracePeriod: Duration.seconds(5), logMaxBytes })
)

/** The worker's pid, once it runs. */
const started = (phone: PhoneNumber) =>
  Effect.gen(function*() {
    const runtime = yield* ContainerRuntime
    const worker = yield* runtime.create(yield* workerSpecFor(deployment)(phone))
    return Number(worker.id)
  })

/** The real, effective, saved and file-system uids of a process (`/proc/{pid}/status`). */
const uidsOf = (pid: number) =>
  (/^Uid:\s+(.*)$/m.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "").split(/\s+/).map(Number)

/**
 * What a process running as `uid` (as a compromised worker would) gets when it reads each path: "read", or the
 * error code. A folder is listed, a file read.
 */
const probeAs = (uid: number, paths: ReadonlyArray<string>): Record<string, string> => {
  const script = `
    const fs = require("node:fs")
    const result = {}
    for (const path of JSON.parse(process.argv[1])) {
      try { fs.statSync(path).isDirectory() ? fs.readdirSync(path) : fs.readFileSync(path); result[path] = "read" }
      catch (error) { result[path] = error.code }
    }
    process.stdout.write(JSON.stringify(result))`
  const run = ChildProcess.spawnSync(process.execPath, ["-e", script, JSON.stringify(paths)], { uid, gid: uid, encoding: "utf8" })
  return JSON.parse(run.stdout) as Record<string, string>
}

const asRoot = process.getuid?.() === 0

layer(Layer.mergeAll(runtime, queueLayer(deployment)), { timeout: "2 minutes", excludeTestServices: true })("process workers' isolation", (it) => {
  it.effect.runIf(asRoot)("as root, each worker runs as an unprivileged user of its own and reads neither the control plane's secrets nor another account's", () =>
    Effect.gen(function*() {
      const [alice, bob] = [randomPhone(), randomPhone()]
      const [alicePid, bobPid] = [yield* started(alice), yield* started(bob)]
      const [aliceUid, bobUid] = [uidsOf(alicePid), uidsOf(bobPid)]
      for (const uids of [aliceUid, bobUid]) {
        assert.strictEqual(new Set(uids).size, 1, "real, effective, saved and file-system uids agree")
        assert.isAtLeast(uids[0]!, ProcessRuntime.defaultUids.first, "an unprivileged uid from the workers' range")
      }
      assert.notStrictEqual(aliceUid[0], bobUid[0], "one user per account")
      const uid = aliceUid[0]!
      assert.strictEqual(Fs.statSync(folderOf(alice)).uid, uid)
      assert.strictEqual(Fs.statSync(folderOf(alice)).mode & 0o777, 0o700)
      assert.strictEqual(Fs.statSync(dataRoot).mode & 0o777, 0o711)
      assert.strictEqual(Fs.statSync(logOf(alice)).mode & 0o777, 0o600)

      const reached = probeAs(uid, [
        folderOf(alice),
        `/proc/${alicePid}/environ`,
        `/proc/${process.pid}/environ`,
        `/proc/${bobPid}/environ`,
        folderOf(bob),
        logOf(bob),
        logOf(alice),
        dataRoot
      ])
      assert.deepStrictEqual(reached, {
        [folderOf(alice)]: "read",
        [`/proc/${alicePid}/environ`]: "read",
        [`/proc/${process.pid}/environ`]: "EACCES",
        [`/proc/${bobPid}/environ`]: "EACCES",
        [folderOf(bob)]: "EACCES",
        [logOf(bob)]: "EACCES",
        [logOf(alice)]: "EACCES",
        [dataRoot]: "EACCES"
      })
      // Stopped and started again, the account keeps its user (its folder records it).
      const runtime = yield* ContainerRuntime
      yield* runtime.stop(alice)
      assert.deepStrictEqual(uidsOf(yield* started(alice)), aliceUid)
    }))

  it.effect("a worker's log is rotated past its cap, and the worker goes on writing at its start", () =>
    Effect.gen(function*() {
      const phone = randomPhone()
      yield* started(phone)
      yield* ping(phone)
      const line = `${JSON.stringify({ message: "filler", level: "DEBUG", annotations: {} })}\n`
      Fs.appendFileSync(logOf(phone), line.repeat(Math.ceil((2 * logMaxBytes) / line.length)))
      yield* eventually("the log rotated", Effect.sync(() => Fs.existsSync(`${logOf(phone)}.1`)), (rotated) => rotated, "10 seconds")
      assert.isAbove(Fs.statSync(`${logOf(phone)}.1`).size, logMaxBytes)
      yield* ping(phone)
      const log = yield* eventually("the worker's next line", Effect.sync(() => Fs.readFileSync(logOf(phone))), (text) =>
        text.includes("Ping succeeded"), "10 seconds")
      assert.isBelow(log.length, logMaxBytes)
      assert.strictEqual(log.indexOf(0), -1, "no hole where the old content was: the worker appends")
      assert.isTrue(log.toString("utf8").startsWith("{"), "the file starts with a whole line")
    }))
})
