import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as SwarmTasks from "../../../src/sessions/runtimes/SwarmTasks.ts"

describe("Swarm task states", () => {
  const task = (state: string, options: Partial<SwarmTasks.Task> = {}): SwarmTasks.Task => ({
    CreatedAt: "2026-01-01T00:00:00Z",
    DesiredState: "running",
    Status: { State: state, Message: state },
    ...options
  })

  it("a service with no task yet is starting", () => {
    assert.strictEqual(SwarmTasks.taskState(SwarmTasks.currentTask([])).state, "starting")
  })

  it("every pending state is starting, never failed", () => {
    for (const state of ["new", "pending", "assigned", "accepted", "ready", "preparing", "starting"]) {
      assert.strictEqual(SwarmTasks.taskState(Option.some(task(state))).state, "starting", state)
    }
  })

  it("running is running; rejected and failed report Docker's own error", () => {
    assert.strictEqual(SwarmTasks.taskState(Option.some(task("running"))).state, "running")
    const rejected = SwarmTasks.taskState(Option.some(task("rejected", {
      Status: { State: "rejected", Message: "preparing", Err: "invalid mount config for type \"volume\"" }
    })))
    assert.strictEqual(rejected.state, "failed")
    assert.deepStrictEqual(rejected.detail, Option.some("invalid mount config for type \"volume\""))
  })

  it("the newest task meant to run tells the state, not an older failure", () => {
    const tasks = [
      task("failed", { CreatedAt: "2026-01-01T00:00:01Z", DesiredState: "shutdown" }),
      task("pending", { CreatedAt: "2026-01-01T00:00:02Z" }),
      task("complete", { CreatedAt: "2026-01-01T00:00:00Z", DesiredState: "shutdown" })
    ]
    assert.strictEqual(SwarmTasks.taskState(SwarmTasks.currentTask(tasks)).state, "starting")
    const allStopped = tasks.map((t) => ({ ...t, DesiredState: "shutdown" }))
    assert.strictEqual(SwarmTasks.taskState(SwarmTasks.currentTask(allStopped)).state, "starting")
    assert.strictEqual(
      SwarmTasks.taskState(SwarmTasks.currentTask(allStopped.filter((t) => t.Status?.State !== "pending"))).state,
      "failed"
    )
  })
})
