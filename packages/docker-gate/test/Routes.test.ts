import { assert, describe, it } from "@effect/vitest"
import { isOurs, labelsOf, nodeSummary, route } from "../src/Routes.ts"
import * as Fixtures from "./Fixtures.ts"

const routed = (method: string, url: string) => route(Fixtures.template, method, url)
const tag = (method: string, url: string) => routed(method, url)._tag

describe("the gate's routes", () => {
  it("serves only what the runtimes ask, with an API version prefix or without", () => {
    assert.deepStrictEqual(routed("GET", "/v1.41/images/vigia/session-worker:latest/json"), {
      _tag: "Forward",
      method: "GET",
      path: "/images/vigia%2Fsession-worker%3Alatest/json"
    })
    assert.deepStrictEqual(routed("POST", `/containers/create?name=${Fixtures.workerName}`), {
      _tag: "Create",
      kind: "container",
      path: `/containers/create?name=${Fixtures.workerName}`,
      name: Fixtures.workerName
    })
    assert.deepStrictEqual(routed("POST", `/containers/${Fixtures.workerName}/stop?t=20`), {
      _tag: "OnOwn",
      kind: "container",
      name: Fixtures.workerName,
      act: { method: "POST", suffix: "/stop", query: "t=20" }
    })
    assert.strictEqual(tag("GET", "/containers/json?all=true&filters=%7B%7D"), "List")
    assert.strictEqual(tag("DELETE", `/containers/${Fixtures.workerName}?force=true`), "OnOwn")
    assert.strictEqual(tag("GET", `/volumes/${Fixtures.volumeName}`), "OnOwn")
    assert.strictEqual(tag("POST", "/volumes/create?"), "Create")
    // An account's data erased: its volume, by a worker volume's name only.
    assert.deepStrictEqual(routed("DELETE", `/volumes/${Fixtures.volumeName}`), {
      _tag: "OnOwn",
      kind: "volume",
      name: Fixtures.volumeName,
      act: { method: "DELETE", suffix: "", query: "" }
    })
    assert.strictEqual(tag("POST", "/services/create"), "Create")
    assert.strictEqual(tag("GET", "/tasks?filters=%7B%7D"), "List")
    assert.strictEqual(tag("DELETE", "/secrets/k2vq7n2xgm0m9y1i2w3e4r5t6"), "OnOwn")
    // The Swarm runtime's placement: the nodes read, a service's constraints updated at its version.
    assert.deepStrictEqual(routed("GET", "/v1.41/nodes"), { _tag: "Nodes" })
    assert.deepStrictEqual(routed("POST", `/services/${Fixtures.workerName}/update?version=42`), {
      _tag: "UpdatePlacement",
      name: Fixtures.workerName,
      query: "version=42"
    })
  })

  it("shows of a node only its id, availability and state", () => {
    const node = {
      ID: "n1",
      Description: { Hostname: "sessions-1", Engine: { EngineVersion: "26.1" } },
      Spec: { Availability: "drain", Role: "worker", Labels: { "vigia.sessions": "true" } },
      Status: { State: "ready", Addr: "10.0.0.5" }
    }
    assert.deepStrictEqual(nodeSummary(node), { ID: "n1", Spec: { Availability: "drain" }, Status: { State: "ready" } })
  })

  it("refuses everything else: exec, copying files out, other images, networks, the swarm, and stray parameters", () => {
    const refused = [
      ["POST", `/containers/${Fixtures.workerName}/exec`],
      ["GET", `/containers/${Fixtures.workerName}/archive?path=/user-data`],
      ["POST", `/containers/${Fixtures.workerName}/kill`],
      ["POST", `/containers/${Fixtures.workerName}/update`],
      ["POST", "/containers/create?name=portainer"],
      ["POST", `/containers/create?name=${Fixtures.workerName}&Image=debian`],
      ["POST", "/images/create?fromImage=alpine"],
      ["GET", "/images/debian:bookworm/json"],
      ["POST", "/build"],
      ["POST", "/networks/create"],
      ["POST", "/swarm/init"],
      ["DELETE", "/volumes/vigia-session-5519912345678-data?force=true"],
      ["DELETE", "/volumes/postgres-data"],
      ["DELETE", "/volumes/vigia-session-5519912345678"],
      ["POST", "/volumes/prune"],
      ["POST", "/services/vigia-session-5519912345678/update"],
      ["POST", "/services/vigia-session-5519912345678/update?version=1&registryAuthFrom=spec"],
      ["POST", "/services/vigia-session-5519912345678/update?version=x"],
      ["GET", "/nodes?filters=%7B%7D"],
      ["GET", "/nodes/self"],
      ["POST", "/nodes/self/update?version=1"],
      ["POST", "/plugins/pull"],
      ["GET", "/events"],
      ["POST", `/containers/${Fixtures.workerName}/stop?t=20&signal=KILL`]
    ] as const
    for (const [method, url] of refused) assert.strictEqual(tag(method, url), "Refuse", `${method} ${url}`)
  })

  it("knows Vigia's resources by their role and deployment labels, wherever the engine puts them", () => {
    assert.isTrue(isOurs(Fixtures.template, labelsOf("container", { Config: { Labels: Fixtures.labels } })))
    assert.isTrue(isOurs(Fixtures.template, labelsOf("tasks", { Spec: { ContainerSpec: { Labels: Fixtures.labels } } })))
    assert.isTrue(isOurs(Fixtures.template, labelsOf("secret", { Spec: { Labels: Fixtures.accountLabels } })))
    assert.isFalse(isOurs(Fixtures.template, labelsOf("container", { Config: { Labels: { "org.vigia.role": "session-worker" } } })))
    assert.isFalse(isOurs(Fixtures.template, labelsOf("volume", { Labels: null })))
  })
})
