import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

describe("the session worker package's exports", () => {
  it.effect("offer one entry, the whole program, and none of its modules", () =>
    Effect.sync(() => {
      assert.match(require.resolve("@vigia/session-worker/Program"), /packages\/session-worker\/(src|dist)\/Program\.(ts|js)$/)
      for (const name of ["Worker", "WorkerConfig", "tdlib/Tdl", "main"]) {
        assert.throws(() => require.resolve(`@vigia/session-worker/${name}`), /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/)
      }
    }))
})
