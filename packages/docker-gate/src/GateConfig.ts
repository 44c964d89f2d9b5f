/**
 * Every environment variable the gate reads: where it listens, the engine's socket, and the worker template,
 * under the names (and defaults) the control plane gives the same settings, so one settings file serves both.
 */
import { Config, Schema, SchemaIssue } from "effect"
import type { GateOptions, Listen } from "./Gate.ts"

/** `tcp://host:port` or `unix:///path`. */
const listen = Config.String("GATE_LISTEN").pipe(
  Config.withDefault("tcp://0.0.0.0:2375"),
  Config.flatMap((text): Config.Config<Listen> => {
    const url = URL.parse(text)
    if (url?.protocol === "unix:" && url.pathname !== "") return Config.succeed({ _tag: "Unix", path: url.pathname })
    if (url?.protocol === "tcp:" && url.port !== "") {
      return Config.succeed({ _tag: "Tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) })
    }
    const rule = new SchemaIssue.InvalidValue({ message: "must be tcp://host:port or unix:///path" })
    return Config.fail(new Schema.SchemaError(new SchemaIssue.Pointer(["GATE_LISTEN"], rule)))
  })
)

const megabytes = (name: string, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(6)), name).pipe(
    Config.withDefault(fallback),
    Config.map((value) => value * 1024 * 1024)
  )

export const gate: Config.Wrap<GateOptions> = {
  listen,
  engineSocket: Config.String("DOCKER_SOCKET").pipe(Config.withDefault("/var/run/docker.sock")),
  template: {
    image: Config.String("WORKER_IMAGE").pipe(Config.withDefault("vigia/session-worker:latest")),
    deployment: Config.String("WORKER_DEPLOYMENT").pipe(Config.withDefault("default")),
    network: Config.String("WORKER_NETWORK").pipe(Config.withDefault("bridge")),
    maxMemoryBytes: megabytes("WORKER_MEMORY_MB", 256),
    maxPids: Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "WORKER_PIDS_LIMIT").pipe(
      Config.withDefault(256)
    )
  }
}

export const logFormat = Config.Literals(["json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("json" as const))
