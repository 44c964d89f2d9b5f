import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as SwarmPlacement from "../../../src/sessions/runtimes/SwarmPlacement.ts"
import type { Task } from "../../../src/sessions/runtimes/SwarmTasks.ts"

const nodes = (...list: ReadonlyArray<readonly [string, string]>) =>
  new Map(list.map(([id, availability]) => [id, { id, availability }] as const))

const swarm = nodes(["n1", "active"], ["n2", "drain"], ["n3", "pause"])

describe("Swarm placement", () => {
  it("reads a service's pin among its constraints, and replaces or removes it leaving the others", () => {
    const base = ["node.labels.vigia.sessions==true", "node.role!=manager"]
    assert.deepStrictEqual(SwarmPlacement.pinnedNode(base), Option.none())
    assert.deepStrictEqual(SwarmPlacement.pinnedNode([...base, "node.id==abc123"]), Option.some("abc123"))
    assert.deepStrictEqual(SwarmPlacement.pinnedNode(["node.id == abc123"]), Option.some("abc123"))
    // Other node constraints are the operator's, not a pin.
    assert.deepStrictEqual(SwarmPlacement.pinnedNode(["node.id!=abc123", "node.hostname==abc123"]), Option.none())
    assert.deepStrictEqual(SwarmPlacement.pinnedTo([...base, "node.id==old"], Option.some("new")), [...base, "node.id==new"])
    assert.deepStrictEqual(SwarmPlacement.pinnedTo([...base, "node.id==old"], Option.none()), base)
    assert.deepStrictEqual(SwarmPlacement.pinnedTo(base, Option.some("n1")), [...base, "node.id==n1"])
  })

  it("a service first placed is pinned where its task runs; one not running yet is left to the scheduler", () => {
    assert.deepStrictEqual(
      SwarmPlacement.decide({ pinned: Option.none(), runningOn: Option.some("n1"), nodes: swarm }),
      { _tag: "Pin", node: "n1" }
    )
    assert.deepStrictEqual(
      SwarmPlacement.decide({ pinned: Option.none(), runningOn: Option.none(), nodes: swarm }),
      { _tag: "Keep" }
    )
  })

  it("a pinned service stays while its node is active or paused, and is moved off a drained or removed one", () => {
    const decide = (pinned: string) => SwarmPlacement.decide({ pinned: Option.some(pinned), runningOn: Option.none(), nodes: swarm })
    assert.deepStrictEqual(decide("n1"), { _tag: "Keep" })
    assert.deepStrictEqual(decide("n3"), { _tag: "Keep" }, "a paused node keeps its services")
    assert.deepStrictEqual(decide("n2"), { _tag: "Move", from: "n2", reason: "drained" })
    assert.deepStrictEqual(decide("gone"), { _tag: "Move", from: "gone", reason: "removed" })
    // Where a moved-off task still shows as running does not matter: the pin decides.
    assert.deepStrictEqual(
      SwarmPlacement.decide({ pinned: Option.some("n2"), runningOn: Option.some("n2"), nodes: swarm }),
      { _tag: "Move", from: "n2", reason: "drained" }
    )
  })

  it("a swarm whose node list is empty removed every node: a pinned service moves", () => {
    assert.deepStrictEqual(
      SwarmPlacement.decide({ pinned: Option.some("n1"), runningOn: Option.none(), nodes: new Map() }),
      { _tag: "Move", from: "n1", reason: "removed" }
    )
  })

  it("a service is created pinned to its recorded node unless that node can no longer run it", () => {
    const known = Option.some(swarm)
    assert.deepStrictEqual(SwarmPlacement.atCreation(Option.none(), known), { pin: Option.none(), move: Option.none() })
    assert.deepStrictEqual(SwarmPlacement.atCreation(Option.some("n1"), known), { pin: Option.some("n1"), move: Option.none() })
    assert.deepStrictEqual(SwarmPlacement.atCreation(Option.some("n2"), known), { pin: Option.none<string>(), move: Option.some("drained" as const) })
    assert.deepStrictEqual(SwarmPlacement.atCreation(Option.some("gone"), known), { pin: Option.none<string>(), move: Option.some("removed" as const) })
    // Nodes that cannot be listed: the record is trusted, never a move.
    assert.deepStrictEqual(SwarmPlacement.atCreation(Option.some("gone"), Option.none()), { pin: Option.some("gone"), move: Option.none() })
  })

  it("the node a service runs on is its current task's, once that task runs", () => {
    const task = (state: string, createdAt: string, node?: string, desired = "running"): Task => ({
      CreatedAt: createdAt,
      DesiredState: desired,
      Status: { State: state },
      ...(node === undefined ? {} : { NodeID: node })
    })
    assert.deepStrictEqual(SwarmPlacement.runningOn([]), Option.none())
    assert.deepStrictEqual(SwarmPlacement.runningOn([task("running", "2026-01-01T00:00:01Z", "n1")]), Option.some("n1"))
    assert.deepStrictEqual(SwarmPlacement.runningOn([task("preparing", "2026-01-01T00:00:01Z", "n1")]), Option.none())
    assert.deepStrictEqual(SwarmPlacement.runningOn([task("pending", "2026-01-01T00:00:01Z")]), Option.none())
    // The old task still running on a drained node, shutting down, is not where the service runs.
    assert.deepStrictEqual(
      SwarmPlacement.runningOn([
        task("running", "2026-01-01T00:00:01Z", "n2", "shutdown"),
        task("pending", "2026-01-01T00:00:02Z")
      ]),
      Option.none()
    )
  })
})
