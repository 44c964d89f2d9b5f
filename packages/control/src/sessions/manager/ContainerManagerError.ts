/**
 * The container manager's one public error: why a start, stop or look at a worker failed, one class per reason.
 * Messages are English, for logs; what a seller reads is keyed by the reason's `_tag` in the bot's texts.
 */
import { Schema } from "effect"
import { type ContainerRuntimeError, RuntimeErrorReason } from "../runtimes/ContainerRuntime.ts"

export class CapacityReached extends Schema.TaggedError<CapacityReached>()("CapacityReached", {
  running: Schema.Int,
  limit: Schema.Int
}) {
  override get message() {
    return `${this.running} sessions are running, the limit is ${this.limit}`
  }
}

/** The start waited its whole bound in the queue of starts, and was still at `place` (`starting` at once). */
export class StartQueueTimedOut extends Schema.TaggedError<StartQueueTimedOut>()("StartQueueTimedOut", {
  seconds: Schema.Number,
  place: Schema.Int,
  starting: Schema.Int
}) {
  override get message() {
    return `the start waited ${this.seconds} s for its turn and was still number ${this.place} in line, ${this.starting} starting`
  }
}

export class StartTimedOut extends Schema.TaggedError<StartTimedOut>()("StartTimedOut", {
  seconds: Schema.Number
}) {
  override get message() {
    return `the worker did not report that it started within ${this.seconds} s`
  }
}

/** The runtime reported the worker exited or failed while starting, with the engine's own words. */
export class WorkerDied extends Schema.TaggedError<WorkerDied>()("WorkerDied", {
  detail: Schema.String
}) {
  override get message() {
    return `the worker stopped while starting: ${this.detail}`
  }
}

/** The runtime itself failed (its engine unreachable, the image missing, …): its reason and words. */
export class RuntimeFailed extends Schema.TaggedError<RuntimeFailed>()("RuntimeFailed", {
  reason: RuntimeErrorReason,
  detail: Schema.String
}) {
  override get message() {
    return `${this.reason}: ${this.detail}`
  }
}

export class ContainerManagerError extends Schema.TaggedError<ContainerManagerError>()("ContainerManagerError", {
  reason: Schema.Union([CapacityReached, StartQueueTimedOut, StartTimedOut, WorkerDied, RuntimeFailed])
}) {
  override get message() {
    return this.reason.message
  }
}

export const runtimeFailed = (error: ContainerRuntimeError) =>
  new ContainerManagerError({ reason: new RuntimeFailed({ reason: error.reason, detail: error.message }) })

export const workerDied = (detail: string) => new ContainerManagerError({ reason: new WorkerDied({ detail }) })
