/**
 * A Swarm worker's secrets as one Docker secret per specification: an env file, `worker.env`, that the image's
 * `node --env-file-if-exists` reads, so `docker service inspect` shows none of them.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import type Docker from "dockerode"
import { Effect, Option, Redacted } from "effect"
import * as ContainerNames from "./ContainerNames.ts"
import { ContainerRuntimeError, type WorkerSpec } from "./ContainerRuntime.ts"
import * as Engine from "./Engine.ts"

/** Where the image's command looks for secrets (`node --env-file-if-exists=/run/secrets/worker.env`). */
export const secretsFile = "worker.env"

/**
 * A value quoted for Node's env-file parser: single quotes keep it literal; a value holding one takes backticks,
 * then double quotes if it has no backslash (double quotes expand `\n`). A line break cannot be passed, nor
 * text that is not well-formed Unicode (the file is UTF-8).
 */
export const quoteEnvValue = (value: string): Option.Option<string> => {
  if (/[\r\n]/.test(value) || !value.isWellFormed()) return Option.none()
  if (!value.includes("'")) return Option.some(`'${value}'`)
  if (!value.includes("`")) return Option.some(`\`${value}\``)
  if (!value.includes("\"") && !value.includes("\\")) return Option.some(`"${value}"`)
  return Option.none()
}

const refused = (message: string) => new ContainerRuntimeError({ reason: "Refused", runtime: "swarm", message })

/** The env file of the worker's secrets, one `NAME='value'` line each. */
const secretsEnvFile = (spec: WorkerSpec) =>
  Effect.forEach(Object.entries(spec.secrets), ([name, secret]) =>
    Option.match(quoteEnvValue(Redacted.value(secret)), {
      onNone: () => Effect.fail(refused(`the secret ${name} holds characters that cannot be written to an env file`)),
      onSome: (quoted) => Effect.succeed(`${name}=${quoted}\n`)
    })).pipe(Effect.map((lines) => lines.join("")))

/** The Swarm secret of this specification (its name carries the config hash, so it never changes in place). */
export const ensureSecret = Effect.fnUntraced(function*(
  docker: Docker,
  options: Engine.EngineOptions,
  spec: WorkerSpec,
  hash: string
) {
  const name = `${ContainerNames.workerName(spec.phone)}-${hash}`
  const inspect = Engine.call("swarm", "inspecting the secret", (): Promise<Docker.Secret> => docker.getSecret(name).inspect(), [404])
  const existing = yield* inspect
  if (Option.isSome(existing)) return { id: existing.value.ID, name }
  const content = yield* secretsEnvFile(spec)
  yield* Engine.call("swarm", "creating the secret", () =>
    docker.createSecret(Engine.bodyOnly({
      Name: name,
      Labels: Engine.accountLabels(options, spec.phone),
      Data: Buffer.from(content).toString("base64")
    })), [409])
  const created = yield* inspect
  if (Option.isNone(created)) return yield* refused("the secret vanished as it was created")
  return { id: created.value.ID, name }
})

/** Removes the account's secrets once no task uses them. */
export const removeSecrets = Effect.fnUntraced(function*(docker: Docker, options: Engine.EngineOptions, phone: PhoneNumber) {
  const labels = Object.entries(Engine.accountLabels(options, phone)).map(([key, value]) => `${key}=${value}`)
  const secrets = yield* Engine.call("swarm", "listing secrets", () => docker.listSecrets({ filters: { label: labels } })).pipe(
    Effect.map(Option.getOrElse((): Array<Docker.Secret> => []))
  )
  yield* Effect.forEach(secrets, (secret) =>
    Engine.call("swarm", "removing a secret", () => docker.getSecret(secret.ID).remove(), [404]), { discard: true })
})
