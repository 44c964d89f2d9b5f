/**
 * Any runtime, its workers each with a Redis user of their own: created before the worker is, deleted once the
 * worker is stopped, whatever stopped it (a stop or logout, a crash loop given up, a failed start, an orphan).
 */
import { mask, type PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Layer } from "effect"
import { WorkerRedisUsers } from "../WorkerRedisUsers.ts"
import { ContainerRuntime, ContainerRuntimeError, type WorkerSpec } from "./ContainerRuntime.ts"

export const withRedisUsers = (runtime: ContainerRuntime["Service"], users: WorkerRedisUsers["Service"]) =>
  ContainerRuntime.of({
    ...runtime,
    create: (spec: WorkerSpec) =>
      users.ensure(spec.phone).pipe(
        Effect.mapError((error) =>
          new ContainerRuntimeError({ reason: "Unavailable", runtime: runtime.kind, message: error.message })
        ),
        Effect.andThen(runtime.create(spec))
      ),
    stop: (phone: PhoneNumber) =>
      runtime.stop(phone).pipe(
        Effect.andThen(users.remove(phone).pipe(
          // The worker is gone; its user, left behind, is reset by the account's next start.
          Effect.catch((error) =>
            Effect.logWarning("could not delete the worker's Redis user", error.message).pipe(
              Effect.annotateLogs({ phone: mask(phone) })
            )
          )
        ))
      )
  })

/** The `ContainerRuntime` in context, wrapped. */
export const layer = Layer.effect(
  ContainerRuntime,
  Effect.gen(function*() {
    return withRedisUsers(yield* ContainerRuntime, yield* WorkerRedisUsers)
  })
)
