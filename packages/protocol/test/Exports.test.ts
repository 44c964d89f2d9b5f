import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

/** Where Node resolves `specifier`, or the error code it refuses it with. */
const resolution = (specifier: string) =>
  Effect.sync(() => {
    try {
      return require.resolve(specifier)
    } catch (error) {
      return (error as { readonly code?: string }).code ?? String(error)
    }
  })

describe("the protocol package's exports", () => {
  it.effect("exports its public modules and none of its internals", () =>
    Effect.gen(function*() {
      for (const name of ["Messages", "Queue", "QueueNames", "SecretBox"]) {
        assert.match(yield* resolution(`@vigia/protocol/${name}`), new RegExp(`packages/protocol/(src|dist)/${name}\\.(ts|js)$`))
      }
      for (const name of ["internal/Transport", "internal/BullMqTransport", "BullMqTransport", "messages/Commands"]) {
        assert.strictEqual(yield* resolution(`@vigia/protocol/${name}`), "ERR_PACKAGE_PATH_NOT_EXPORTED", name)
      }
    }))
})
