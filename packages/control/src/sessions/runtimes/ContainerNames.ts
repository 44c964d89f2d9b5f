/**
 * What a session worker is called on a container engine (container, Swarm service, volume), built only from a
 * `PhoneNumber`, and the labels that mark what the control plane manages without holding the raw phone number.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Option, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"

const namePrefix = "vigia-session-"
const namePattern = /^\/?vigia-session-([1-9][0-9]{7,14})$/

/** `vigia-session-5511912345678`: the container (docker) or service (swarm) of an account. */
export const workerName = (phone: PhoneNumber): string => `${namePrefix}${phone}`

/** `vigia-session-5511912345678-data`: the account's named volume, mounted at `/user-data`. */
export const volumeName = (phone: PhoneNumber): string => `${namePrefix}${phone}-data`

/** A worker's `CONTAINER_ID` where the runtime has no id of its own: random, so it names no phone in logs. */
export const anonymousId = (runtime: string): string => `${runtime}-${Crypto.randomBytes(6).toString("hex")}`

const isPhoneNumber = Schema.is(PhoneNumber)

/** The account a worker name belongs to (Docker reports container names with a leading `/`). */
export const phoneOfWorkerName = (name: string): Option.Option<PhoneNumber> => {
  const digits = namePattern.exec(name)?.[1]
  return digits !== undefined && isPhoneNumber(digits) ? Option.some(digits) : Option.none()
}

/** The label keys set on every container, service and volume the control plane creates. */
export const LabelKey = {
  /** What the resource is: always `session-worker` for workers. */
  role: "org.vigia.role",
  /** A keyed hash of the phone number: finds an account's resources without naming the person. */
  account: "org.vigia.account",
  /** The digest of the worker's specification: a worker is reused only while it matches. */
  configHash: "org.vigia.config-hash",
  /** Which control plane owns the resource (`default`, or a test's own), so two never adopt each other's. */
  deployment: "org.vigia.deployment"
} as const

export const workerRole = "session-worker"

/**
 * The account key: HMAC-SHA256 of the phone number under the deployment's secret, 32 hex digits. Without the
 * secret it cannot be reversed by trying every phone number, which an unkeyed hash of 15 digits could.
 */
export const accountKey = (secret: Redacted.Redacted<string>, phone: PhoneNumber): string =>
  Crypto.createHmac("sha256", Redacted.value(secret)).update(phone).digest("hex").slice(0, 32)

/** The secret of the account key, derived from the session master secret: for labels only. */
export const accountKeySecret = (master: Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.make(
    Buffer.from(Crypto.hkdfSync("sha256", Redacted.value(master), "vigia/account-label/v1", "labels", 32)).toString("hex")
  )

/** The labels of an account's worker resources. */
export const workerLabels = (options: {
  readonly deployment: string
  readonly accountKey: string
  readonly configHash: string
}): Record<string, string> => ({
  [LabelKey.role]: workerRole,
  [LabelKey.deployment]: options.deployment,
  [LabelKey.account]: options.accountKey,
  [LabelKey.configHash]: options.configHash
})

/** The label filter that finds every worker resource of a deployment (Docker's `label=key=value` form). */
export const deploymentFilter = (deployment: string): Array<string> => [
  `${LabelKey.role}=${workerRole}`,
  `${LabelKey.deployment}=${deployment}`
]
