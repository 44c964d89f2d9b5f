/**
 * The one interface every way of running session workers fulfils (fibers in this process, a child process, a
 * Docker container, a Swarm service): create, stop, status and list, and the removal of an account's data, all
 * idempotent, with typed errors.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Context, type Effect, type Option, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"
import { RuntimeKind } from "../../data/Sessions.ts"

/** `inline`, `process`, `docker` or `swarm`: the `sessions` table records it too. */
export { RuntimeKind }

/**
 * What an account's worker needs to run: its configuration as environment variables, the plain ones apart from
 * the secret ones (Telegram's API hash, the session key, a Redis URL with a password).
 */
export interface WorkerSpec {
  readonly phone: PhoneNumber
  readonly environment: Readonly<Record<string, string>>
  readonly secrets: Readonly<Record<string, Redacted.Redacted<string>>>
  /** Whose data it mounts (its volume or folder), when not its own: every pool mounts the pools' one. */
  readonly dataOf?: PhoneNumber | undefined
}

/** The account whose volume or folder the worker of `spec` mounts. */
export const dataOwner = (spec: WorkerSpec): PhoneNumber => spec.dataOf ?? spec.phone

/**
 * A worker as its runtime sees it. `starting`: created, not yet running (a Swarm task still pending, a
 * container restarting); `exited`: it ended and nothing restarts it; `failed`: the runtime could not run it,
 * with the engine's own message in `detail`.
 */
export const WorkerState = Schema.Literals(["starting", "running", "exited", "failed"])
export type WorkerState = typeof WorkerState.Type

export interface Worker {
  readonly phone: PhoneNumber
  /** The container id, the service id, the pid, or (inline) a name. */
  readonly id: string
  readonly state: WorkerState
  readonly detail: Option.Option<string>
  /** The digest of the specification it runs with (`configHash`). */
  readonly configHash: string
}

export const RuntimeErrorReason = Schema.Literals([
  /** The engine (Docker socket, process table) did not answer. */
  "Unavailable",
  /** The worker's image or program is not there. */
  "NotFound",
  /** A resource with the worker's name exists and belongs to someone else. */
  "NameTaken",
  /** The engine refused to create, start or stop the worker. */
  "Refused"
])
export type RuntimeErrorReason = typeof RuntimeErrorReason.Type

export class ContainerRuntimeError extends Schema.TaggedError<ContainerRuntimeError>()("ContainerRuntimeError", {
  reason: RuntimeErrorReason,
  runtime: RuntimeKind,
  message: Schema.String
}) {}

export class ContainerRuntime extends Context.Service<ContainerRuntime, {
  readonly kind: RuntimeKind
  /** The digest `create` would label the worker of `spec` with: what it runs and how, secrets included as digests. */
  readonly configHash: (spec: WorkerSpec) => Effect.Effect<string, ContainerRuntimeError>
  /**
   * Makes the worker of `spec.phone` run with `spec`: an existing one with the same digest is kept (and started
   * if it had stopped), one with another digest is replaced. The account's data outlives every replacement.
   */
  readonly create: (spec: WorkerSpec) => Effect.Effect<Worker, ContainerRuntimeError>
  /** Stops the worker gracefully and removes it, keeping its data; a worker already gone is not an error. */
  readonly stop: (phone: PhoneNumber) => Effect.Effect<void, ContainerRuntimeError>
  /** The account's worker, or none when there is no such worker. */
  readonly status: (phone: PhoneNumber) => Effect.Effect<Option.Option<Worker>, ContainerRuntimeError>
  /** Every worker of this deployment, running or not. */
  readonly list: Effect.Effect<ReadonlyArray<Worker>, ContainerRuntimeError>
  /**
   * Deletes the account's data (its folder or volume: the Telegram session, TDLib's database, the worker's log) once
   * its worker is stopped; data already gone is not an error.
   */
  readonly removeData: (phone: PhoneNumber) => Effect.Effect<void, ContainerRuntimeError>
}>()("@vigia/control/sessions/runtimes/ContainerRuntime") {}

const sha256 = (text: string) => Crypto.createHash("sha256").update(text).digest("hex")

/**
 * A stable digest (16 hex digits) of a worker's specification and of the runtime settings that shape it. Each
 * secret enters as its own SHA-256, so the digest changes when a secret does and shows nothing of it.
 */
export const specDigest = (spec: WorkerSpec, settings: Readonly<Record<string, unknown>>): string => {
  const sorted = <A>(record: Readonly<Record<string, A>>) =>
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const canonical = JSON.stringify({
    environment: sorted(spec.environment),
    secrets: sorted(spec.secrets).map(([key, value]) => [key, sha256(Redacted.value(value))]),
    settings: sorted(settings),
    // Only a pool's: an account's digest stays what it was before pools existed.
    ...(spec.dataOf === undefined ? {} : { dataOf: spec.dataOf })
  })
  return sha256(canonical).slice(0, 16)
}

/** The worker's environment variables as `NAME=value` pairs, secrets unwrapped: only for handing to the engine. */
export const environmentOf = (spec: WorkerSpec): Record<string, string> => {
  const environment: Record<string, string> = { ...spec.environment }
  for (const [name, secret] of Object.entries(spec.secrets)) environment[name] = Redacted.value(secret)
  return environment
}

/** An engine error's own message (Docker's `json.message`), never the request that caused it. */
export const describeCause = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null) {
    const json = "json" in cause ? cause.json : undefined
    if (typeof json === "object" && json !== null && "message" in json && typeof json.message === "string") {
      return json.message
    }
    if ("message" in cause && typeof cause.message === "string") return cause.message
  }
  return String(cause)
}
