/**
 * A Swarm service's state read from its tasks, the way JupyterHub's SwarmSpawner does: pending states are
 * starting, running is running, a failure carries the engine's own error.
 */
import { Option } from "effect"
import type { WorkerState } from "./ContainerRuntime.ts"

/** A task's lifecycle (moby `api/types/swarm/task.go`). */
const pendingStates = new Set(["new", "pending", "assigned", "accepted", "ready", "preparing", "starting"])
const failedStates = new Set(["failed", "rejected"])

export interface Task {
  readonly CreatedAt?: string
  readonly DesiredState?: string
  /** The node the task is assigned to, once the scheduler picked one. */
  readonly NodeID?: string
  readonly Status?: { readonly State?: string; readonly Message?: string; readonly Err?: string }
}

/** The task that tells the service's state: the newest one meant to run, else the newest of all. */
export const currentTask = (tasks: ReadonlyArray<Task>): Option.Option<Task> => {
  const newestFirst = [...tasks].sort((a, b) => (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""))
  return Option.orElse(
    Option.fromNullishOr(newestFirst.find((task) => task.DesiredState === "running")),
    () => Option.fromNullishOr(newestFirst[0])
  )
}

/** A task's state as a worker's: still pending is starting (never failed), a failure carries Docker's error. */
export const taskState = (task: Option.Option<Task>): { state: WorkerState; detail: Option.Option<string> } => {
  if (Option.isNone(task)) return { state: "starting", detail: Option.some("waiting for a task") }
  const state = task.value.Status?.State ?? "new"
  const message = task.value.Status?.Message ?? ""
  if (state === "running") return { state: "running", detail: Option.none() }
  if (pendingStates.has(state)) return { state: "starting", detail: Option.some(`${state}: ${message}`) }
  if (failedStates.has(state)) {
    return { state: "failed", detail: Option.some(task.value.Status?.Err ?? (message === "" ? state : message)) }
  }
  return { state: "exited", detail: Option.some(`${state}: ${message}`) }
}
