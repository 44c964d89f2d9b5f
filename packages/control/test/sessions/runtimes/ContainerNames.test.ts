import { assert, describe, it } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Option, Redacted, Schema } from "effect"
import * as ContainerNames from "../../../src/sessions/runtimes/ContainerNames.ts"

// The engine's own rules: container and volume names (moby `daemon/names`, `volume/local`), Swarm service
// names (swarmkit `validateServiceName`: a DNS label of at most 63 characters).
const containerNameRule = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const volumeNameRule = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const serviceNameRule = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/

const secret = Redacted.make("test-secret")
const phone = Schema.decodeUnknownSync(PhoneNumber)("5511912345678")

describe("ContainerNames", () => {
  it("names the worker and its volume after the phone number", () => {
    assert.strictEqual(ContainerNames.workerName(phone), "vigia-session-5511912345678")
    assert.strictEqual(ContainerNames.volumeName(phone), "vigia-session-5511912345678-data")
  })

  it.effect.prop("any phone number gives names the engine accepts", [PhoneNumber], ([phone]) =>
    Effect.sync(() => {
      const worker = ContainerNames.workerName(phone)
      const volume = ContainerNames.volumeName(phone)
      assert.match(worker, containerNameRule)
      assert.match(worker, serviceNameRule)
      assert.isAtMost(worker.length, 63)
      assert.match(volume, volumeNameRule)
      assert.notStrictEqual(worker, volume)
    }))

  it.effect.prop("a worker name gives back its phone number, so no two numbers share a name", [PhoneNumber], ([phone]) =>
    Effect.sync(() => {
      assert.deepStrictEqual(ContainerNames.phoneOfWorkerName(ContainerNames.workerName(phone)), Option.some(phone))
      assert.deepStrictEqual(ContainerNames.phoneOfWorkerName(`/${ContainerNames.workerName(phone)}`), Option.some(phone))
      assert.isTrue(Option.isNone(ContainerNames.phoneOfWorkerName(ContainerNames.volumeName(phone))))
    }))

  it.effect.prop("distinct numbers never collide, in names or account keys", [PhoneNumber, PhoneNumber], ([a, b]) =>
    Effect.sync(() => {
      const same = a === b
      assert.strictEqual(ContainerNames.workerName(a) === ContainerNames.workerName(b), same)
      assert.strictEqual(ContainerNames.volumeName(a) === ContainerNames.volumeName(b), same)
      assert.notStrictEqual(ContainerNames.workerName(a), ContainerNames.volumeName(b))
      assert.strictEqual(ContainerNames.accountKey(secret, a) === ContainerNames.accountKey(secret, b), same)
    }))

  it("rejects names that are not a worker's", () => {
    for (const name of ["vigia-session-", "vigia-session-0123456789", "vigia-session-12", "other-5511912345678"]) {
      assert.isTrue(Option.isNone(ContainerNames.phoneOfWorkerName(name)), name)
    }
  })

  it.effect.prop("labels never hold the phone number, and the account key depends on the secret", [PhoneNumber], ([phone]) =>
    Effect.sync(() => {
      const key = ContainerNames.accountKey(secret, phone)
      assert.match(key, /^[0-9a-f]{32}$/)
      assert.notStrictEqual(key, ContainerNames.accountKey(Redacted.make("another-secret"), phone))
      const labels = ContainerNames.workerLabels({ deployment: "default", accountKey: key, configHash: "abc" })
      for (const value of Object.values(labels)) assert.notInclude(value, phone)
      assert.strictEqual(labels[ContainerNames.LabelKey.role], ContainerNames.workerRole)
    }))
})
